"""Who may see what of a patient's record, and why.

`ConsentGrant` rows are the truth: their time bounds are checked in the query on every request.
django-guardian's object permissions on `RecordEntry` are derived from them (see
`consent.services.sync_entry_permissions`) and act as a second, fail-closed filter.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from patients.models import CATEGORY_PLURALS, Patient, RecordCategory, RecordEntry


class Scope(models.TextChoices):
    RECORD = "record", "Whole record"
    CATEGORY = "category", "One category"
    ENTRY = "entry", "One entry"


class Purpose(models.TextChoices):
    TREATMENT = "treatment", "Treatment"
    CARE_COORDINATION = "care_coordination", "Care coordination"
    RESEARCH = "research", "Research"
    OTHER = "other", "Other"


class GivenVia(models.TextChoices):
    IN_PERSON = "in_person", "Given in person"
    PORTAL = "portal", "Given in the portal"
    ACCESS_REQUEST = "access_request", "Approved request"


class CareTeam(models.Model):
    """A named group of staff a patient can share with as a whole (e.g. "Diabetes team")."""

    name = models.CharField(max_length=120, unique=True)
    description = models.CharField(max_length=300, blank=True)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="care_team")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConsentGrantQuerySet(models.QuerySet["ConsentGrant"]):
    def in_force(self, now: dt.datetime | None = None) -> ConsentGrantQuerySet:
        """Grants that allow access at `now`: started, not expired, not revoked."""
        now = now or timezone.now()
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            revoked_at__isnull=True,
            starts_at__lte=now,
        )

    def not_ended(self, now: dt.datetime | None = None) -> ConsentGrantQuerySet:
        """In force now or starting later: the grants guardian permissions are derived from."""
        now = now or timezone.now()
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now), revoked_at__isnull=True
        )

    def for_grantee(self, user) -> ConsentGrantQuerySet:
        return self.filter(Q(grantee_user=user) | Q(grantee_team__group__user=user))

    def given_in_person(self, patient) -> ConsentGrantQuerySet:
        """The choices a patient told the front desk at their visit (shown on the visit pages)."""
        return self.filter(patient=patient, given_via=GivenVia.IN_PERSON).with_people()

    def with_people(self) -> ConsentGrantQuerySet:
        return self.select_related(
            "grantee_user__staff_profile", "grantee_team", "entry", "revoked_by", "recorded_by"
        )


class ConsentGrant(models.Model):
    """A patient's permission for a physician or care team to read part of their record.
    Never deleted: revocation and expiry end it, and the history stays visible to the patient."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consent_grants")
    grantee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consent_grants_received",
    )
    grantee_team = models.ForeignKey(
        CareTeam, null=True, blank=True, on_delete=models.PROTECT, related_name="consent_grants"
    )
    scope = models.CharField(max_length=10, choices=Scope.choices)
    category = models.CharField(max_length=20, choices=RecordCategory.choices, blank=True)
    entry = models.ForeignKey(
        RecordEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="consent_grants"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    purpose_other = models.CharField("other purpose", max_length=200, blank=True)
    include_sensitive = models.BooleanField(default=False)
    starts_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    given_via = models.CharField(max_length=20, choices=GivenVia.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    access_request = models.OneToOneField(
        "AccessRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="grant"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.CharField(max_length=500, blank=True)

    objects = ConsentGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["grantee_user", "patient"]),
            models.Index(fields=["patient", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(grantee_user__isnull=False) & Q(grantee_team__isnull=True))
                | (Q(grantee_user__isnull=True) & Q(grantee_team__isnull=False)),
                name="grant_has_exactly_one_grantee",
            ),
            models.CheckConstraint(
                condition=(Q(scope="record") & Q(category="") & Q(entry__isnull=True))
                | (Q(scope="category") & ~Q(category="") & Q(entry__isnull=True))
                | (Q(scope="entry") & Q(category="") & Q(entry__isnull=False)),
                name="grant_scope_fields_match",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("starts_at")),
                name="grant_expires_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(purpose="other") | ~Q(purpose_other=""),
                name="grant_other_purpose_described",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent grant #{self.pk}"

    # --- derived values ---------------------------------------------------------------------

    @property
    def grantee_name(self) -> str:
        if self.grantee_user_id:
            return self.grantee_user.display_name
        return f"the {self.grantee_team.name}"

    @property
    def purpose_text(self) -> str:
        if self.purpose == Purpose.OTHER:
            return self.purpose_other
        return self.get_purpose_display().lower()

    @property
    def scope_text(self) -> str:
        if self.scope == Scope.RECORD:
            text = "your whole record"
        elif self.scope == Scope.CATEGORY:
            text = f"your {CATEGORY_PLURALS[RecordCategory(self.category)]}"
        else:
            kind = self.entry.get_category_display().lower()
            return f"one {kind} of {self.entry.recorded_on:%-d %B %Y}"
        if self.include_sensitive:
            return text + ", including sensitive entries"
        return text

    def covers(self, *, entry_id: int, category: str, sensitive: bool) -> bool:
        """Whether this grant's scope takes in the entry (ignoring time bounds)."""
        if self.scope == Scope.ENTRY:
            return self.entry_id == entry_id
        broad = self.scope == Scope.RECORD or self.category == category
        return broad and (self.include_sensitive or not sensitive)

    def status(self, now: dt.datetime | None = None) -> str:
        now = now or timezone.now()
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= now:
            return "expired"
        if self.starts_at > now:
            return "scheduled"
        return "active"

    @property
    def last_day(self) -> dt.date | None:
        """The last day the grant covers, as the patient chose it: a grant that ends at midnight
        ends at the end of the day before ("until 1 March" means 1 March is included)."""
        if self.expires_at is None:
            return None
        return timezone.localtime(self.expires_at - dt.timedelta(microseconds=1)).date()

    def describe(self, now: dt.datetime | None = None) -> str:
        """The grant in plain language, e.g. "Dr A. Rivera can see your lab results for treatment
        until 1 March 2027"."""
        status = self.status(now)
        subject = self.grantee_name[0].upper() + self.grantee_name[1:]
        verb = {
            "active": "can see",
            "scheduled": f"will be able to see, from {_date(self.starts_at)},",
            "expired": "could see",
            "revoked": "could see",
        }[status]
        text = f"{subject} {verb} {self.scope_text} for {self.purpose_text}"
        if status == "revoked":
            text += f" until you stopped sharing on {_date(self.revoked_at)}"
        elif self.last_day:
            text += f" until {self.last_day:%-d %B %Y}"
        elif status in ("active", "scheduled"):
            text += " until you stop sharing"
        return text


def _date(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y}"


class RecordEntryUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct foreign-key permission table for record entries (derived from grants)."""

    content_object = models.ForeignKey(RecordEntry, on_delete=models.CASCADE)


class RecordEntryGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(RecordEntry, on_delete=models.CASCADE)


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the patient"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class AccessRequest(models.Model):
    """A physician asks a patient for access; the patient approves (creating a grant, possibly
    narrower than asked) or declines."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="access_requests")
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_requests_made"
    )
    scope = models.CharField(
        max_length=10, choices=[(Scope.RECORD, "Whole record"), (Scope.CATEGORY, "One category")]
    )
    category = models.CharField(max_length=20, choices=RecordCategory.choices, blank=True)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    purpose_other = models.CharField("other purpose", max_length=200, blank=True)
    message = models.TextField(max_length=2000, blank=True)
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "physician"],
                condition=Q(status="pending"),
                name="one_pending_request_per_physician_and_patient",
            ),
            models.CheckConstraint(
                condition=(Q(scope="record") & Q(category=""))
                | (Q(scope="category") & ~Q(category="")),
                name="request_scope_fields_match",
            ),
        ]

    def __str__(self) -> str:
        return f"Access request #{self.pk}"

    @property
    def scope_text(self) -> str:
        if self.scope == Scope.RECORD:
            return "your whole record"
        return f"your {CATEGORY_PLURALS[RecordCategory(self.category)]}"

    @property
    def purpose_text(self) -> str:
        if self.purpose == Purpose.OTHER:
            return self.purpose_other
        return self.get_purpose_display().lower()


class ReviewOutcome(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROPRIATE = "appropriate", "Appropriate"
    INAPPROPRIATE = "inappropriate", "Inappropriate"


class EmergencyAccessQuerySet(models.QuerySet["EmergencyAccess"]):
    def open(self, now: dt.datetime | None = None) -> EmergencyAccessQuerySet:
        now = now or timezone.now()
        return self.filter(opened_at__lte=now, expires_at__gt=now)

    def awaiting_review(self) -> EmergencyAccessQuerySet:
        return self.filter(review_outcome=ReviewOutcome.PENDING)


class EmergencyAccess(models.Model):
    """Break-glass: a physician reads a record without consent for a short window, stating why.
    The patient is told at once and a privacy officer reviews every one."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    reason = models.TextField(max_length=2000)
    opened_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    review_outcome = models.CharField(
        max_length=20, choices=ReviewOutcome.choices, default=ReviewOutcome.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(max_length=2000, blank=True)

    objects = EmergencyAccessQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "emergency accesses"
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["physician", "patient", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("opened_at")),
                name="emergency_window_positive",
            )
        ]

    def __str__(self) -> str:
        return f"Emergency access #{self.pk}"

    def is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.opened_at <= now < self.expires_at


class NotificationKind(models.TextChoices):
    RECORD_ACCESS = "record_access", "Someone read your record"
    EMERGENCY_ACCESS = "emergency_access", "Emergency access to your record"
    EMERGENCY_REVIEWED = "emergency_reviewed", "Emergency access reviewed"
    EMERGENCY_TO_REVIEW = "emergency_to_review", "Emergency access to review"
    ACCESS_REQUEST = "access_request", "Request to see your record"
    REQUEST_DECIDED = "request_decided", "Answer to your access request"
    GENERAL = "general", "Message"


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Each time, as it happens"
    DIGEST = "digest", "Once a day, in a summary"


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def undelivered(self) -> NotificationQuerySet:
        return self.filter(email_sent_at__isnull=True, email_due_at__isnull=False)


class Notification(models.Model):
    """One message to one person: shown in the portal and, when due, sent by email.

    This is also the outbox: the row is written in the same transaction as what it reports, and
    delivery (`consent.tasks.deliver_notification`) is enqueued on commit and swept by beat, so a
    dead Redis or worker delays an email but never loses it. The text names who and when, never
    health data: "Dr A. Rivera viewed your record on 3 Dec at 14:05".
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    message = models.CharField(max_length=300)
    link = models.CharField(max_length=200, help_text="A path on this site, e.g. /portal/sharing/")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When the email should go out; empty: portal only."
    )
    email_sent_at = models.DateTimeField(null=True, blank=True)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    delivery_attempts = models.PositiveIntegerField(default=0)
    republished_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sweep last published its delivery again."
    )
    # For access notifications: who looked, how many reads this notification stands for, and
    # when, so reads by one person within 30 minutes become one notification.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    event_count = models.PositiveIntegerField(default=1)
    first_event_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["recipient", "kind", "actor", "-last_event_at"]),
            models.Index(
                fields=["email_due_at"],
                condition=Q(email_sent_at__isnull=True, email_due_at__isnull=False),
                name="notification_undelivered_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Notification #{self.pk} ({self.kind})"


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    DOWNLOAD = "download", "Downloaded"
    EXPORT = "export", "Exported"


class AccessTarget(models.TextChoices):
    RECORD = "record", "Record overview"
    CATEGORY = "category", "One category"
    ENTRY = "entry", "Entry"
    DOCUMENT = "document", "Document"
    EXPORT = "export", "Full record export"


class AccessBasis(models.TextChoices):
    SELF = "self", "Your own access"
    GRANT = "grant", "Your consent"
    EMERGENCY = "emergency", "Emergency access"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The access log is append-only.")

    def delete(self):
        raise PermissionError("The access log is append-only.")


class AccessEventQuerySet(AppendOnlyQuerySet):
    def for_patient(self, patient: Patient) -> AccessEventQuerySet:
        return self.filter(patient=patient)

    def with_people(self) -> AccessEventQuerySet:
        return self.select_related("actor__staff_profile", "grant", "emergency", "entry")


class AccessEvent(models.Model):
    """One read of record content. Append-only and hash-chained per patient: `hash` is SHA-256
    over the canonical fields and `prev_hash` (see `consent.audit`)."""

    # Three foreign keys skip their own index: (patient, sequence), (patient, -occurred_at) and
    # (patient, actor, -occurred_at) already serve every lookup, and each index costs every append.
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="access_events", db_index=False
    )
    sequence = models.PositiveBigIntegerField()
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="access_events",
        db_index=False,
    )
    actor_role = models.CharField(max_length=20)
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    target = models.CharField(max_length=10, choices=AccessTarget.choices)
    entry = models.ForeignKey(
        RecordEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_events",
        db_index=False,
    )
    category = models.CharField(max_length=20, choices=RecordCategory.choices, blank=True)
    purpose = models.CharField(max_length=200)
    basis = models.CharField(max_length=10, choices=AccessBasis.choices)
    grant = models.ForeignKey(
        ConsentGrant, null=True, blank=True, on_delete=models.PROTECT, related_name="access_events"
    )
    emergency = models.ForeignKey(
        EmergencyAccess,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_events",
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["patient", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "sequence"], name="one_event_per_sequence")
        ]
        indexes = [
            models.Index(fields=["patient", "-occurred_at"]),
            models.Index(fields=["patient", "actor", "-occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"Access event {self.patient_id}/{self.sequence}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The access log is append-only.")


class AccessChainHead(models.Model):
    """The newest link of a patient's chain. Appending locks this row, so concurrent writers
    take turns and the chain never forks."""

    patient = models.OneToOneField(
        Patient, primary_key=True, on_delete=models.PROTECT, related_name="access_chain_head"
    )
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"Chain head of patient {self.patient_id}"


class AccessAlertPreference(models.Model):
    """How a patient wants to hear about reads of their record. Emergency access is always
    emailed at once, whatever this says."""

    patient = models.OneToOneField(
        Patient, primary_key=True, on_delete=models.CASCADE, related_name="access_alert_preference"
    )
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Access alerts of patient {self.patient_id}: {self.delivery}"


class AccessLogCheckpoint(models.Model):
    """A signed snapshot of every chain head. Someone with write access to the database could
    recompute a whole chain or drop its newest events; a checkpoint signed with a key they do
    not hold lets verification notice (see `consent.integrity`)."""

    created_at = models.DateTimeField()
    heads = models.JSONField(help_text='{"<patient id>": [sequence, hash], ...}')
    public_key = models.CharField(max_length=64, help_text="Base64 Ed25519 public key.")
    signature = models.CharField(max_length=128, help_text="Base64 Ed25519 signature.")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"Access log checkpoint of {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Checkpoints are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Checkpoints are append-only.")
