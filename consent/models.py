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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from accesslog.models import actor_label
from clinic.i18n import full_date
from patients.models import CATEGORY_PLURALS, OnboardingVisit, Patient, RecordCategory, RecordEntry
from proxies.models import ProxyAccess


class Scope(models.TextChoices):
    RECORD = "record", _("Whole record")
    CATEGORY = "category", _("One category")
    ENTRY = "entry", _("One entry")


class Purpose(models.TextChoices):
    TREATMENT = "treatment", _("Treatment")
    CARE_COORDINATION = "care_coordination", _("Care coordination")
    RESEARCH = "research", _("Research")
    OTHER = "other", _("Other")


class GivenVia(models.TextChoices):
    IN_PERSON = "in_person", _("Given in person")
    PORTAL = "portal", _("Given in the portal")
    ACCESS_REQUEST = "access_request", _("Approved request")


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
        """Grants naming `user` (a user or their id), or a care team they belong to. The teams
        are a subquery, not a join: a join through the team's members repeats a grant once per
        member (a DISTINCT to undo) and made PostgreSQL misjudge the rows and hash whole tables
        joined to the grants (e.g. every record entry, for `select_related("entry")`)."""
        teams = CareTeam.objects.filter(group__user=user).values("pk")
        return self.filter(Q(grantee_user=user) | Q(grantee_team__in=teams))

    def given_in_person(self, patient) -> ConsentGrantQuerySet:
        """The choices a patient told the front desk at their visit (shown on the visit pages)."""
        return self.filter(patient=patient, given_via=GivenVia.IN_PERSON).with_people()

    def with_people(self) -> ConsentGrantQuerySet:
        return self.select_related(
            "grantee_user__staff_profile",
            "grantee_team",
            "entry",
            "revoked_by",
            "recorded_by__staff_profile",
            "visit",
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
    visit = models.ForeignKey(
        OnboardingVisit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consent_grants",
        help_text="For a choice given in person: the visit at which the patient told us.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.CharField(max_length=500, blank=True)
    # Given or stopped by someone acting for the patient (`recorded_by`/`revoked_by` is them):
    # under which proxy access, so the patient is told who did it and as what.
    recorded_under = models.ForeignKey(
        ProxyAccess, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_under = models.ForeignKey(
        ProxyAccess, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

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
        return gettext("the %(team)s") % {"team": self.grantee_team.name}

    @property
    def purpose_text(self) -> str:
        if self.purpose == Purpose.OTHER:
            return self.purpose_other
        return str(self.get_purpose_display()).lower()

    @property
    def scope_text(self) -> str:
        if self.scope == Scope.RECORD:
            text = gettext("your whole record")
        elif self.scope == Scope.CATEGORY:
            text = gettext("your %(category)s") % {
                "category": CATEGORY_PLURALS[RecordCategory(self.category)]
            }
        else:
            return gettext("one %(kind)s of %(date)s") % {
                "kind": str(self.entry.get_category_display()).lower(),
                "date": full_date(self.entry.recorded_on),
            }
        if self.include_sensitive:
            return gettext("%(scope)s, including sensitive entries") % {"scope": text}
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

    def confirmation(self) -> str:
        """How a grant recorded on the patient's behalf is read back to them: who recorded it,
        when and where. No health data: this goes into emails."""
        names = {"recorder": self.recorded_by.display_name, "grantee": self.grantee_name}
        if self.recorded_under_id is not None:
            names["proxy"] = actor_label(
                self.recorded_by.display_name, self.recorded_under.get_relationship_display()
            )
            names["when"] = full_date(self.created_at)
            if self.given_via == GivenVia.ACCESS_REQUEST:
                return (
                    gettext(
                        "On %(when)s %(proxy)s, approved %(grantee)s's request to see your record."
                    )
                    % names
                )
            return gettext("On %(when)s %(proxy)s, shared your record with %(grantee)s.") % names
        if self.given_via == GivenVia.IN_PERSON:
            when = full_date(self.visit.starts_at if self.visit_id else self.created_at)
            return gettext(
                "At your visit on %(when)s, %(recorder)s recorded that you agreed to share your "
                "record with %(grantee)s."
            ) % {"when": when, **names}
        if self.given_via == GivenVia.ACCESS_REQUEST:
            return gettext("On %(when)s you approved %(grantee)s's request to see your record.") % {
                "when": full_date(self.created_at),
                **names,
            }
        return gettext("On %(when)s you shared your record with %(grantee)s.") % {
            "when": full_date(self.created_at),
            **names,
        }

    def describe(self, now: dt.datetime | None = None) -> str:
        """The grant in plain language, e.g. "Dr A. Rivera can see your lab results for treatment
        until 1 March 2027"."""
        status = self.status(now)
        words = {
            "who": self.grantee_name,
            "what": self.scope_text,
            "purpose": self.purpose_text,
            "start": full_date(self.starts_at),
            "last_day": full_date(self.last_day) if self.last_day else "",
            "stopped": full_date(self.revoked_at) if self.revoked_at else "",
        }
        if status == "revoked":
            text = gettext(
                "%(who)s could see %(what)s for %(purpose)s until you stopped sharing on "
                "%(stopped)s"
            )
        elif status == "expired":
            text = gettext("%(who)s could see %(what)s for %(purpose)s until %(last_day)s")
        elif status == "scheduled" and self.last_day:
            text = gettext(
                "%(who)s will be able to see, from %(start)s, %(what)s for %(purpose)s until "
                "%(last_day)s"
            )
        elif status == "scheduled":
            text = gettext(
                "%(who)s will be able to see, from %(start)s, %(what)s for %(purpose)s until "
                "you stop sharing"
            )
        elif self.last_day:
            text = gettext("%(who)s can see %(what)s for %(purpose)s until %(last_day)s")
        else:
            text = gettext("%(who)s can see %(what)s for %(purpose)s until you stop sharing")
        text = text % words
        return text[0].upper() + text[1:]


class RecordEntryUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct foreign-key permission table for record entries (derived from grants)."""

    content_object = models.ForeignKey(RecordEntry, on_delete=models.CASCADE)


class RecordEntryGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(RecordEntry, on_delete=models.CASCADE)


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the patient")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


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
    # Answered by someone acting for the patient, under this proxy access.
    decided_under = models.ForeignKey(
        ProxyAccess, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

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
            return gettext("your whole record")
        return gettext("your %(category)s") % {
            "category": CATEGORY_PLURALS[RecordCategory(self.category)]
        }

    @property
    def purpose_text(self) -> str:
        if self.purpose == Purpose.OTHER:
            return self.purpose_other
        return str(self.get_purpose_display()).lower()


class ReviewOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPROPRIATE = "appropriate", _("Appropriate")
    INAPPROPRIATE = "inappropriate", _("Inappropriate")


class EmergencySituation(models.TextChoices):
    """The clinical situations that justify reading a record without consent."""

    UNCONSCIOUS = "unconscious", _("The patient is unconscious or cannot communicate")
    LIFE_THREATENING = "life_threatening", _("A life-threatening condition needs treatment now")
    MEDICATION = "medication", _("An urgent decision about medicines or allergies")
    TRANSFER = "transfer", _("An emergency admission or transfer")
    OTHER = "other", _("Another emergency (describe it below)")


class EmergencyEnd(models.TextChoices):
    VERDICT = "verdict", _("Ended when a privacy officer judged it inappropriate")
    PATIENT = "patient", _("Ended by the patient")


class EmergencyAccessQuerySet(models.QuerySet["EmergencyAccess"]):
    def open(self, now: dt.datetime | None = None) -> EmergencyAccessQuerySet:
        """Open at `now`: started, its window not over, and not ended early."""
        now = now or timezone.now()
        return self.filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=now), opened_at__lte=now, expires_at__gt=now
        )

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
    situation = models.CharField(
        max_length=20, choices=EmergencySituation.choices, default=EmergencySituation.OTHER
    )
    reason = models.TextField(max_length=2000)
    opened_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField(max_length=10, choices=EmergencyEnd.choices, blank=True)
    alert = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why the privacy officers were alerted at once (repeated openings, or an "
        "opening after an earlier one was judged inappropriate).",
    )
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
        ended = self.ended_at is not None and self.ended_at <= now
        return self.opened_at <= now < self.expires_at and not ended

    @property
    def closed_at(self) -> dt.datetime:
        """When the access ended or will end: early if it was ended, else its window's end."""
        if self.ended_at is not None and self.ended_at < self.expires_at:
            return self.ended_at
        return self.expires_at

    @property
    def why(self) -> str:
        return f"{self.get_situation_display()}: {self.reason}"


class OutreachKind(models.TextChoices):
    EMERGENCY_ACCESS = "emergency_access", _("Tell them about an emergency access to their record")
    ACCESS_REQUEST = "access_request", _("Tell them a physician asked to see their record")


class OutreachMethod(models.TextChoices):
    LETTER = "letter", _("By letter")
    PHONE = "phone", _("By phone")


class OutreachTaskQuerySet(models.QuerySet["OutreachTask"]):
    def open(self) -> OutreachTaskQuerySet:
        return self.filter(done_at__isnull=True)


class OutreachTask(models.Model):
    """Something a patient without a portal account must be told by letter or phone. It stays in
    the privacy officer's queue until someone records how and when the patient was told."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="outreach_tasks")
    kind = models.CharField(max_length=20, choices=OutreachKind.choices)
    emergency = models.ForeignKey(
        EmergencyAccess, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    access_request = models.ForeignKey(
        AccessRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(max_length=10, choices=OutreachMethod.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)

    objects = OutreachTaskQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(emergency__isnull=False) | Q(access_request__isnull=False),
                name="outreach_task_is_about_something",
            )
        ]

    def __str__(self) -> str:
        return f"Outreach task #{self.pk} ({self.kind})"
