"""Patients' concerns (grievances), answered on a clock, with an append-only history."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from patients.models import Patient
from proxies.models import ProxyAccess


class GrievanceStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    INVESTIGATING = "investigating", "Being investigated"
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATUSES = (
    GrievanceStatus.RECEIVED,
    GrievanceStatus.ACKNOWLEDGED,
    GrievanceStatus.INVESTIGATING,
)

# The only steps a concern may take; anything else (a skipped or backward step) is refused.
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    GrievanceStatus.RECEIVED: (GrievanceStatus.ACKNOWLEDGED, GrievanceStatus.WITHDRAWN),
    GrievanceStatus.ACKNOWLEDGED: (GrievanceStatus.INVESTIGATING, GrievanceStatus.WITHDRAWN),
    GrievanceStatus.INVESTIGATING: (GrievanceStatus.RESOLVED, GrievanceStatus.WITHDRAWN),
    GrievanceStatus.RESOLVED: (),
    GrievanceStatus.WITHDRAWN: (),
}


class Channel(models.TextChoices):
    PORTAL = "portal", "In the portal"
    PHONE = "phone", "By phone"
    LETTER = "letter", "By letter"


class Deadline(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", "Acknowledge"
    RESPOND = "respond", "Written answer or extension notice"
    EXTENSION = "extension", "Answer by the date in the extension notice"
    RESOLVE = "resolve", "Resolve"


class GrievanceQuerySet(models.QuerySet["Grievance"]):
    def open(self) -> GrievanceQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now: dt.datetime | None = None) -> GrievanceQuerySet:
        """Open concerns past any of their deadlines at `now`."""
        now = now or timezone.now()
        return self.open().filter(
            Q(status=GrievanceStatus.RECEIVED, acknowledge_by__lt=now)
            | Q(extended_to__isnull=True, respond_by__lt=now)
            | Q(extended_to__lt=now)
            | Q(resolve_by__lt=now)
        )


class Grievance(models.Model):
    """A concern raised by a patient (in the portal, or by phone or letter and recorded by a
    privacy officer), possibly about one look at their record they do not recognise. Deadlines
    come from the service levels in settings, counted in business days (clinic/clock.py)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="grievances")
    access_event = models.ForeignKey(
        "accesslog.AccessEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grievances",
    )
    description = models.TextField(max_length=5000)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The privacy officer who recorded a concern received by phone or letter.",
    )
    raised_under = models.ForeignKey(
        ProxyAccess,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Raised in the portal by someone acting for the patient, under this access.",
    )
    status = models.CharField(
        max_length=20, choices=GrievanceStatus.choices, default=GrievanceStatus.RECEIVED
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledge_by = models.DateTimeField()
    respond_by = models.DateTimeField(
        help_text="A written answer, or a written extension notice, is due by then."
    )
    resolve_by = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    extended_at = models.DateTimeField(null=True, blank=True)
    extended_to = models.DateTimeField(
        null=True, blank=True, help_text="The answer date promised in the extension notice."
    )
    extension_reason = models.TextField(max_length=2000, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The four elements of a grievance decision.
    contact_person = models.CharField(max_length=200, blank=True)
    investigation_steps = models.TextField(max_length=5000, blank=True)
    results = models.TextField(max_length=5000, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    # The deadline the privacy officers were last alerted about, so each is alerted once.
    overdue_alerted_for = models.CharField(max_length=12, choices=Deadline.choices, blank=True)

    objects = GrievanceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "respond_by"])]

    def __str__(self) -> str:
        return f"Grievance #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def answer_due(self) -> dt.datetime:
        """When the written answer is due now: the extension's date once one was sent."""
        return self.extended_to or self.respond_by

    def overdue_deadlines(self, now: dt.datetime | None = None) -> list[str]:
        """The deadlines this concern has missed at `now` (none once it is closed)."""
        if not self.is_open:
            return []
        now = now or timezone.now()
        missed = []
        if self.status == GrievanceStatus.RECEIVED and self.acknowledge_by < now:
            missed.append(Deadline.ACKNOWLEDGE)
        if self.extended_to is None and self.respond_by < now:
            missed.append(Deadline.RESPOND)
        if self.extended_to is not None and self.extended_to < now:
            missed.append(Deadline.EXTENSION)
        if self.resolve_by < now:
            missed.append(Deadline.RESOLVE)
        return missed

    def resolved_on_time(self) -> bool | None:
        if self.resolved_at is None:
            return None
        return self.resolved_at <= self.answer_due


class GrievanceEntryKind(models.TextChoices):
    RECEIVED = "received", "Concern received"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    INVESTIGATING = "investigating", "Investigation started"
    EXTENDED = "extended", "Extension notice"
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn"
    MESSAGE = "message", "Message"


class GrievanceEntryQuerySet(models.QuerySet["GrievanceEntry"]):
    def update(self, **kwargs):
        raise TypeError("A concern's history is append-only.")

    def delete(self):
        raise TypeError("A concern's history is append-only.")


class GrievanceEntry(models.Model):
    """One line of a concern's history: a step (who moved it, when) or a message in its thread.
    Append-only: never changed or deleted."""

    grievance = models.ForeignKey(Grievance, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=15, choices=GrievanceEntryKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for a concern raised by phone or letter (the patient spoke or wrote).",
    )
    by_patient = models.BooleanField(default=False)
    # On the patient's side but written by someone acting for them (`author`), under this access.
    proxy_access = models.ForeignKey(
        ProxyAccess, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(max_length=5000, blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = GrievanceEntryQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "grievance entries"

    def __str__(self) -> str:
        return f"Grievance #{self.grievance_id}: {self.kind}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("A concern's history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("A concern's history is append-only.")


# --- Trust surveys ---------------------------------------------------------------------------

AGREEMENT_SCALE = [
    (1, "Strongly disagree"),
    (2, "Disagree"),
    (3, "Neither agree nor disagree"),
    (4, "Agree"),
    (5, "Strongly agree"),
]
# Groups with fewer responses than this are never shown to staff (as the NHS Friends and Family
# Test does), so no figure can point at one patient.
MIN_GROUP_SIZE = 5


class InstrumentQuerySet(models.QuerySet["Instrument"]):
    def active(self) -> InstrumentQuerySet:
        return self.filter(is_active=True)


class Instrument(models.Model):
    """A survey as data: items on a 1–5 agreement scale, some reverse-scored, scored 0–100.
    Versioned: once answered, an instrument's items are not changed; a new version (same
    slug, next number) replaces it and the old one is made inactive."""

    slug = models.SlugField(max_length=50)
    version = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=120)
    introduction = models.TextField(max_length=2000, blank=True)
    source = models.CharField(
        max_length=300, blank=True, help_text="Where it comes from and under what licence."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="one_instrument_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"


class InstrumentItem(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    reverse_scored = models.BooleanField(
        default=False, help_text="Agreeing is the unfavourable answer (scored 5 − answer)."
    )

    class Meta:
        ordering = ["instrument", "position"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "position"], name="one_item_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class SurveyInvitation(models.Model):
    """An invitation to answer one instrument: 7 days after the patient's account was activated
    (round 0), then every 6 months (rounds 1, 2, ...). Answered at most once."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="invitations")
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="survey_invitations"
    )
    round = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "instrument", "round"], name="one_invitation_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"Survey invitation #{self.pk}"


class SurveyResponse(models.Model):
    """One answered survey. Staff never see a response on its own: only aggregates of groups of
    at least MIN_GROUP_SIZE. The site is copied so aggregates by site need no patient join."""

    invitation = models.OneToOneField(
        SurveyInvitation, on_delete=models.CASCADE, related_name="response"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="responses")
    site = models.ForeignKey("clinic.Site", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    score = models.FloatField(help_text="0–100")

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["instrument", "submitted_at"])]

    def __str__(self) -> str:
        return f"Survey response #{self.pk}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(InstrumentItem, on_delete=models.PROTECT, related_name="answers")
    value = models.PositiveSmallIntegerField(choices=AGREEMENT_SCALE)

    class Meta:
        ordering = ["item__position"]
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="one_answer_per_item"),
            models.CheckConstraint(
                condition=Q(value__gte=1, value__lte=5), name="survey_answer_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"Answer to item {self.item_id}: {self.value}"


def score_answers(items_and_values: list[tuple[bool, int]]) -> float:
    """0–100 from (reverse_scored, answer 1–5) pairs: each item counts answer − 1, or 5 − answer
    when reverse-scored, and the sum is scaled to 100. For the System Usability Scale (odd items
    positive, even items reverse) this is its standard scoring: sum × 2.5."""
    if not items_and_values:
        raise ValueError("No answers to score.")
    total = sum((5 - value) if reverse else (value - 1) for reverse, value in items_and_values)
    return total * 100 / (4 * len(items_and_values))


# --- Suggestions -----------------------------------------------------------------------------


class SuggestionStatus(models.TextChoices):
    NEW = "new", "New"
    PLANNED = "planned", "Planned"
    DONE = "done", "Done"
    DECLINED = "declined", "Declined"


class SuggestionQuerySet(models.QuerySet["Suggestion"]):
    def with_support(self) -> SuggestionQuerySet:
        return self.annotate(support_count=models.Count("supporters", distinct=True))


class Suggestion(models.Model):
    """An improvement to the digital tools, suggested by a patient or a staff member. Others add
    their support instead of repeating it; the clinic gives it a status and a public reply. The
    author's name is never shown to other people."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="suggestions"
    )
    title = models.CharField(max_length=150)
    details = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.NEW
    )
    reply = models.TextField(max_length=2000, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supporters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="SuggestionSupport", related_name="+"
    )

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Suggestion #{self.pk}"


class SuggestionSupport(models.Model):
    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["suggestion", "user"], name="support_once")]

    def __str__(self) -> str:
        return f"Support for suggestion {self.suggestion_id}"
