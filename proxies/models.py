"""Proxy access: a carer, a parent or an attorney acting for a patient in the portal.

A proxy is a person with their own portal account, met and checked in person like every patient
("we meet you first" applies to proxies too): they are on the clinic's register as a `Patient`
(their own record may be empty). A `ProxyAccess` says what the proxy may do for one patient, per
area, from when until when, and on whose authority: the patient's own choice, parental
responsibility for a child (age rules apply, `proxies.rules`), or a power of attorney seen by
staff (reviewed on a date). It takes effect only once the proxy's identity has been checked in
person, and it is never deleted: ending it keeps the row, with who ended it and when.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from patients.models import IdentityDocument, Patient


class ProxyArea(models.TextChoices):
    """The parts of the portal a proxy may use for the patient."""

    RECORD = "record", "Read the health record"
    ACCESS_LOG = "access_log", "See who looked at the record"
    SHARING = "sharing", "Manage who the record is shared with"
    EDUCATION = "education", "Health information from the clinic"
    CONCERNS = "concerns", "Raise concerns and ask questions"


class ProxyRelationship(models.TextChoices):
    """How the access log and every page name the proxy: "Ana Santos, as your carer"."""

    CARER = "carer", "carer"
    PARENT = "parent", "parent"
    FAMILY = "family", "family member"
    ATTORNEY = "attorney", "attorney"


# The labels above stay English in the model: the access log hashes them (an event's
# `actor_relationship`), so they must not change with the reader's language. Pages translate them
# where they show them (`accesslog.models.actor_label`); these lines put them in the catalogue.
RELATIONSHIP_WORDS = (
    gettext_noop("carer"),
    gettext_noop("parent"),
    gettext_noop("family member"),
    gettext_noop("attorney"),
)


class ProxyAuthority(models.TextChoices):
    """On whose say-so the access exists."""

    PATIENT = "patient", "The patient's own choice"
    PARENTAL = "parental", "Parental responsibility for a child"
    ATTORNEY = "attorney", "Power of attorney"


class AuthorityDocument(models.TextChoices):
    """The kind of document staff saw for parental responsibility or a power of attorney (the
    kind only, never its number)."""

    BIRTH_CERTIFICATE = "birth_certificate", "Birth or adoption certificate"
    PARENTAL_ORDER = "parental_order", "Court order giving parental responsibility"
    LASTING_POA = "lasting_poa", "Registered lasting power of attorney (health and welfare)"
    COURT_DEPUTY = "court_deputy", "Court order appointing a deputy or guardian"


class ProxyStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the in-person check"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"
    DECLINED = "declined", "Declined"


class ProxyAccessQuerySet(models.QuerySet["ProxyAccess"]):
    def with_people(self) -> ProxyAccessQuerySet:
        return self.select_related("patient", "proxy", "proxy__user")

    def for_proxy_user(self, user) -> ProxyAccessQuerySet:
        return self.filter(proxy__user=user)


class ProxyAccess(models.Model):
    """What one proxy may do for one patient, per area, and for how long."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="proxy_accesses")
    # Empty while a patient's invitation waits for the proxy to be met and registered.
    proxy = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="acting_for"
    )
    invited_name = models.CharField(max_length=150, blank=True)
    invited_email = models.EmailField(max_length=254, blank=True)
    relationship = models.CharField(max_length=10, choices=ProxyRelationship.choices)
    authority = models.CharField(max_length=10, choices=ProxyAuthority.choices)
    authority_document = models.CharField(
        max_length=20, choices=AuthorityDocument.choices, blank=True
    )

    # The areas, as ProxyArea values. Reading the record may be narrowed to some categories
    # (empty: the whole record); sensitive entries are never shown unless the patient named them.
    areas = models.JSONField(default=list)
    record_categories = models.JSONField(default=list, blank=True)
    include_sensitive = models.BooleanField(default=False)
    notify_patient = models.BooleanField(
        default=True, help_text="Tell the patient each time the proxy reads the record."
    )

    status = models.CharField(
        max_length=10, choices=ProxyStatus.choices, default=ProxyStatus.PENDING
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(help_text="Every proxy access ends; it can be renewed.")
    review_on = models.DateField(
        null=True, blank=True, help_text="Power of attorney: the date staff review it."
    )

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    # The in-person check: who checked, when, and the kinds of document seen (never numbers).
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    proxy_document = models.CharField(max_length=20, choices=IdentityDocument.choices, blank=True)
    patient_document = models.CharField(max_length=20, choices=IdentityDocument.choices, blank=True)

    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField(max_length=300, blank=True)
    # Power of attorney: the review date its "review due" notice was sent for (once per date).
    review_notice_for = models.DateField(null=True, blank=True)

    objects = ProxyAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["proxy", "patient", "status"])]

    def __str__(self) -> str:
        return f"Proxy access {self.pk} for patient {self.patient_id}"

    @property
    def proxy_name(self) -> str:
        if self.proxy is not None:
            return self.proxy.display_name
        return self.invited_name

    @property
    def relationship_word(self) -> str:
        """ "carer", "family member" in the language of the page or message (the stored label
        stays English, see RELATIONSHIP_WORDS)."""
        return gettext(self.get_relationship_display())

    @property
    def last_day(self):
        """The last day of access, clinic time (it ends at the start of the next day)."""
        return timezone.localdate(self.ends_at - dt.timedelta(microseconds=1))

    def delete(self, *args, **kwargs):
        raise PermissionError("Proxy access is never deleted; end it instead.")


class ProxyChangeKind(models.TextChoices):
    INVITED = "invited", "Invited by the patient"
    LINKED = "linked", "Linked in person"
    CONFIRMED = "confirmed", "Invitation confirmed in person"
    DECLINED = "declined", "Invitation declined"
    ENDED = "ended", "Ended"
    REVIEWED = "reviewed", "Power of attorney reviewed"


class ProxyChange(models.Model):
    """Every change to a proxy access, with who made it and when (never edited or deleted)."""

    # What the application's PostgreSQL role may do here (manage.py grant_app_role).
    app_role_privileges = ("SELECT", "INSERT")

    access = models.ForeignKey(ProxyAccess, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=10, choices=ProxyChangeKind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} of proxy access {self.access_id}"

    def delete(self, *args, **kwargs):
        raise PermissionError("Changes to proxy access are never deleted.")


class AgeNotice(models.Model):
    """A notice sent before an age rule changes what a parent sees (once per access and change)."""

    access = models.ForeignKey(ProxyAccess, on_delete=models.PROTECT, related_name="age_notices")
    change = models.CharField(max_length=20)  # proxies.rules.AgeStage value taking effect
    takes_effect_on = models.DateField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["access", "change"], name="one_notice_per_change")
        ]

    def __str__(self) -> str:
        return f"Age notice {self.change} for proxy access {self.access_id}"
