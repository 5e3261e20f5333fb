"""Patients and their onboarding into the portal."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.validators import validate_plain_email

from .storage import private_storage
from .validators import (
    validate_birth_date,
    validate_person_name,
    validate_phone,
    validate_plain_text,
)

# Crockford-style alphabet: no 0/O or 1/I/L, so MRNs read back over the phone without mistakes.
MRN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
MRN_LENGTH = 8


def generate_mrn() -> str:
    """A random medical record number: unrelated to any other patient's, so one MRN tells nothing
    about the next (about 39 bits)."""
    return "R" + "".join(secrets.choice(MRN_ALPHABET) for _position in range(MRN_LENGTH))


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")
    FRENCH = "fr", _("French")
    PORTUGUESE = "pt", _("Portuguese")
    POLISH = "pl", _("Polish")
    ARABIC = "ar", _("Arabic")
    CHINESE = "zh", _("Chinese")
    OTHER = "other", _("Other (tell the front desk)")


class PatientQuerySet(models.QuerySet["Patient"]):
    def matching_identity(self, *, legal_name: str, date_of_birth) -> PatientQuerySet:
        """Likely duplicates: the same legal name (ignoring case and spacing) and date of birth."""
        normalised = " ".join(legal_name.split())
        return self.filter(legal_name__iexact=normalised, date_of_birth=date_of_birth)

    def search(self, query: str) -> PatientQuerySet:
        """Front desk search: an exact MRN, or part of the legal or preferred name."""
        query = " ".join(query.split())
        if not query:
            return self.none()
        return self.filter(
            Q(mrn=query.upper().replace(" ", ""))
            | Q(legal_name__icontains=query)
            | Q(preferred_name__icontains=query)
        )

    def for_front_desk(self) -> PatientQuerySet:
        """Demographics and onboarding state, with what the lists show loaded up front."""
        return self.select_related("site").prefetch_related("onboarding_visits")


class Patient(models.Model):
    mrn = models.CharField("MRN", max_length=16, unique=True, default=generate_mrn, editable=False)
    legal_name = models.CharField(max_length=150, validators=[validate_person_name])
    preferred_name = models.CharField(max_length=150, blank=True, validators=[validate_person_name])
    date_of_birth = models.DateField(validators=[validate_birth_date])
    email = models.EmailField(max_length=254, validators=[validate_plain_email])
    phone = models.CharField(max_length=40, blank=True, validators=[validate_phone])
    preferred_language = models.CharField(
        max_length=8, choices=Language.choices, default=Language.ENGLISH
    )
    primary_physician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="primary_patients",
        limit_choices_to={"staff_profile__role": "physician"},
    )
    site = models.ForeignKey("clinic.Site", on_delete=models.PROTECT, related_name="patients")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient",
    )
    # Set from the registration form so a double submit cannot create the patient twice.
    registration_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["legal_name", "id"]
        indexes = [models.Index(fields=["legal_name", "date_of_birth"])]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.mrn})"

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.legal_name

    @property
    def full_name_for_staff(self) -> str:
        """Both names when they differ, so the front desk greets and identifies correctly."""
        if self.preferred_name and self.preferred_name != self.legal_name:
            return f"{self.preferred_name} ({self.legal_name})"
        return self.legal_name

    def onboarding_summary(self) -> str:
        """Where the patient stands on the way to the portal (uses prefetched visits)."""
        if self.user_id is not None:
            return "Portal account active"
        visits = sorted(self.onboarding_visits.all(), key=lambda v: v.starts_at, reverse=True)
        if any(v.status == VisitStatus.COMPLETED for v in visits):
            return "First visit completed; account not activated yet"
        if visits:
            return f"First visit: {visits[0].get_status_display().lower()}"
        return "No first visit booked"


# --- Onboarding: the face-to-face first visit ---------------------------------------------------

# Visits use a fixed grid of half-hour slots, so a unique (staff member, start) pair is enough for
# the database to refuse every overlap: two bookings of one person either share a start or do not
# overlap at all.
SLOT_MINUTES = 30
FIRST_SLOT_HOUR = 8
LAST_SLOT_START = (17, 30)
BOOKING_HORIZON_DAYS = 365


def slot_times() -> list[tuple[int, int]]:
    """(hour, minute) of every bookable slot start in a clinic day."""
    slots = []
    hour, minute = FIRST_SLOT_HOUR, 0
    while (hour, minute) <= LAST_SLOT_START:
        slots.append((hour, minute))
        minute += SLOT_MINUTES
        hour, minute = hour + minute // 60, minute % 60
    return slots


class VisitStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")


# A visit in one of these states is still going to happen (or is happening).
OPEN_STATUSES = (VisitStatus.SCHEDULED, VisitStatus.CHECKED_IN)
# A visit in one of these states occupies its staff member's slot.
SLOT_HOLDING_STATUSES = (VisitStatus.SCHEDULED, VisitStatus.CHECKED_IN, VisitStatus.COMPLETED)


class IdentityDocument(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    DRIVING_LICENCE = "driving_licence", _("Driving licence")
    NATIONAL_ID = "national_id", _("National identity card")
    OTHER = "other", _("Other photo ID")


class ChecklistItem(models.TextChoices):
    """The digital tools introduction, in the order it is done with the patient."""

    SIGN_IN = "sign_in", _("Signing in and two-step verification")
    SHARING = "sharing", _("Sharing settings: who can see what")
    ACCESS_LOG = "access_log", _("The access log and notifications")
    EDUCATION = "education", _("The education library")
    FEEDBACK = "feedback", _("Feedback and concerns")
    EXPORT = "export", _("Downloading your data")


class ChecklistOutcome(models.TextChoices):
    EXPLAINED = "explained", _("Shown and explained")
    DECLINED = "declined", _("Patient declined")


class OnboardingVisitQuerySet(models.QuerySet["OnboardingVisit"]):
    def on_day(self, day: date) -> OnboardingVisitQuerySet:
        """Visits starting on `day` in the clinic's time zone."""
        tz = timezone.get_current_timezone()
        start = timezone.make_aware(datetime.combine(day, datetime.min.time()), tz)
        end = timezone.make_aware(
            datetime.combine(day + timedelta(days=1), datetime.min.time()), tz
        )
        return self.filter(starts_at__gte=start, starts_at__lt=end)

    def open(self) -> OnboardingVisitQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def completed(self) -> OnboardingVisitQuerySet:
        return self.filter(status=VisitStatus.COMPLETED)

    def for_day_view(self) -> OnboardingVisitQuerySet:
        return self.select_related("patient", "site", "staff_member__staff_profile").order_by(
            "site__name", "starts_at", "id"
        )

    def for_visit_page(self) -> OnboardingVisitQuerySet:
        return self.select_related(
            "patient__user",
            "site",
            "staff_member__staff_profile",
            "scheduled_by__staff_profile",
            "checked_in_by__staff_profile",
            "identity_verified_by__staff_profile",
            "completed_by__staff_profile",
            "cancelled_by__staff_profile",
            "no_show_marked_by__staff_profile",
        ).prefetch_related("checklist_items__recorded_by__staff_profile")


class OnboardingVisit(models.Model):
    """The in-person first visit: identity check, activation code and the tools introduction.
    Never holds an identity document's number, only its kind."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="onboarding_visits")
    site = models.ForeignKey(
        "clinic.Site", on_delete=models.PROTECT, related_name="onboarding_visits"
    )
    starts_at = models.DateTimeField()
    staff_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="onboarding_visits_led",
        help_text="Who does the tools introduction.",
    )
    status = models.CharField(
        max_length=16, choices=VisitStatus.choices, default=VisitStatus.SCHEDULED
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scheduled_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    identity_verified_at = models.DateTimeField(null=True, blank=True)
    identity_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    identity_document = models.CharField(
        max_length=20, choices=IdentityDocument.choices, blank=True
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancellation_reason = models.TextField(
        max_length=500, blank=True, validators=[validate_plain_text]
    )
    no_show_at = models.DateTimeField(null=True, blank=True)
    no_show_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = OnboardingVisitQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["starts_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["staff_member", "starts_at"],
                condition=Q(status__in=SLOT_HOLDING_STATUSES),
                name="onboarding_staff_not_double_booked",
                violation_error_message=(
                    "This staff member already has a visit at that time. Choose another time or "
                    "another staff member."
                ),
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status__in=OPEN_STATUSES),
                name="onboarding_one_open_visit_per_patient",
                violation_error_message="This patient already has an onboarding visit booked.",
            ),
            models.CheckConstraint(
                condition=~Q(status=VisitStatus.COMPLETED) | Q(identity_verified_at__isnull=False),
                name="onboarding_completed_needs_identity",
                violation_error_message="A visit is complete only after the identity check.",
            ),
        ]

    def __str__(self) -> str:
        return f"Onboarding visit {self.pk} ({self.get_status_display()})"

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=SLOT_MINUTES)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def identity_verified(self) -> bool:
        return self.identity_verified_at is not None

    def checklist(self) -> list[dict]:
        """Every item of the tools introduction with its recorded outcome (or None), in order.
        Uses the prefetched `checklist_items` when present."""
        recorded = {entry.item: entry for entry in self.checklist_items.all()}
        return [
            {"item": item, "label": item.label, "entry": recorded.get(item.value)}
            for item in ChecklistItem
        ]

    def missing_for_completion(self) -> list[str]:
        """What still stands between this visit and "completed", in the clinic's words."""
        missing = []
        if not self.identity_verified:
            missing.append("the identity check")
        missing.extend(
            f"the checklist item “{row['label']}”" for row in self.checklist() if not row["entry"]
        )
        return missing


class OnboardingChecklistEntry(models.Model):
    """One item of the tools introduction, ticked in person: explained or declined, by whom and
    when."""

    visit = models.ForeignKey(
        OnboardingVisit, on_delete=models.CASCADE, related_name="checklist_items"
    )
    item = models.CharField(max_length=20, choices=ChecklistItem.choices)
    outcome = models.CharField(max_length=12, choices=ChecklistOutcome.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "onboarding checklist entries"
        constraints = [
            models.UniqueConstraint(fields=["visit", "item"], name="onboarding_checklist_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()}: {self.get_outcome_display()}"

    @property
    def declined(self) -> bool:
        return self.outcome == ChecklistOutcome.DECLINED


class PortalStep(models.Model):
    """A tool from the introduction that the patient has since used themself in the portal (the
    first time), so "Your first steps" shows what they did, not only what they were shown."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="portal_steps")
    item = models.CharField(max_length=20, choices=ChecklistItem.choices)
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "item"], name="portal_step_once")]

    def __str__(self) -> str:
        return f"{self.get_item_display()} used by patient {self.patient_id}"


class CodeStatus(models.TextChoices):
    USABLE = "usable", _("Ready to use")
    SPENT = "spent", _("Used")
    VOIDED = "voided", _("Replaced by a newer code")
    LOCKED = "locked", _("Locked after too many wrong attempts")
    EXPIRED = "expired", _("Expired")


ACTIVATION_CODE_LIFETIME = timedelta(days=14)
ACTIVATION_CODE_MAX_FAILURES = 5


class ActivationCodeQuerySet(models.QuerySet["ActivationCode"]):
    def live(self) -> ActivationCodeQuerySet:
        """Neither spent nor voided (it may still have expired or be locked)."""
        return self.filter(spent_at__isnull=True, voided_at__isnull=True)


class ActivationCode(models.Model):
    """A single-use portal activation code. Only a keyed hash of the code is stored (see
    `patients.codes`); the code itself is shown once, on the printed handout."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="activation_codes")
    visit = models.ForeignKey(
        OnboardingVisit, on_delete=models.PROTECT, related_name="activation_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Set from the issuing form so a double submit does not void the code just printed.
    issue_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    spent_at = models.DateTimeField(null=True, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ActivationCodeQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(spent_at__isnull=True, voided_at__isnull=True),
                name="activation_one_live_code_per_patient",
                violation_error_message="This patient already has a live activation code.",
            )
        ]

    def __str__(self) -> str:
        return f"Activation code {self.pk} ({self.get_status_display()})"

    @property
    def status(self) -> CodeStatus:
        if self.spent_at is not None:
            return CodeStatus.SPENT
        if self.voided_at is not None:
            return CodeStatus.VOIDED
        if self.locked_at is not None:
            return CodeStatus.LOCKED
        if self.expires_at <= timezone.now():
            return CodeStatus.EXPIRED
        return CodeStatus.USABLE

    def get_status_display(self) -> str:
        return self.status.label


# --- The health record ---------------------------------------------------------------------


class RecordCategory(models.TextChoices):
    VISIT_NOTE = "visit_note", _("Visit note")
    LAB_RESULT = "lab_result", _("Lab result")
    MEDICATION = "medication", _("Medication")
    ALLERGY = "allergy", _("Allergy")
    IMMUNIZATION = "immunization", _("Immunization")
    DOCUMENT = "document", _("Document")


# Plural, lower-case names for plain-language sentences ("can see your lab results").
CATEGORY_PLURALS = {
    RecordCategory.VISIT_NOTE: _("visit notes"),
    RecordCategory.LAB_RESULT: _("lab results"),
    RecordCategory.MEDICATION: _("medications"),
    RecordCategory.ALLERGY: _("allergies"),
    RecordCategory.IMMUNIZATION: _("immunizations"),
    RecordCategory.DOCUMENT: _("documents"),
}


class Sensitivity(models.TextChoices):
    MENTAL_HEALTH = "mental_health", _("Mental health")
    SEXUAL_HEALTH = "sexual_health", _("Sexual health")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    GENETICS = "genetics", _("Genetics")


class RecordEntryQuerySet(models.QuerySet["RecordEntry"]):
    def newest_first(self) -> RecordEntryQuerySet:
        return self.order_by("-recorded_on", "-created_at", "-id")


class RecordEntry(models.Model):
    """One item of a patient's health record."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="record_entries")
    category = models.CharField(max_length=20, choices=RecordCategory.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, max_length=20_000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_entries"
    )
    recorded_on = models.DateField(help_text="The date of the visit, test or document.")
    sensitive = models.BooleanField(
        default=False,
        help_text="Mental health, sexual health, substance use or genetics: shared only when a "
        "grant names the entry or includes sensitive entries.",
    )
    sensitivity = models.CharField(max_length=20, choices=Sensitivity.choices, blank=True)
    document = models.FileField(
        blank=True, storage=private_storage, upload_to="record-documents/%Y/%m/", max_length=200
    )
    document_name = models.CharField(max_length=200, blank=True)
    document_type = models.CharField(max_length=40, blank=True)
    document_size = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RecordEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "record entries"
        ordering = ["-recorded_on", "-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "category", "-recorded_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sensitive=True) | models.Q(sensitivity=""),
                name="entry_sensitivity_only_when_sensitive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} of {self.recorded_on:%Y-%m-%d} (#{self.pk})"


# --- Fixes at the front desk ----------------------------------------------------------------------


class DetailsChange(models.Model):
    """The front desk changed a patient's details: which ones, by whom, when. The values
    themselves live on the patient; the patient is told which details changed."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="details_changes")
    fields = models.JSONField(default=list)  # labels, in the clinic's words ("Phone number")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"Details of patient #{self.patient_id} changed {self.changed_at:%Y-%m-%d %H:%M}"


class TwoStepReset(models.Model):
    """Two-step verification removed from a patient's account after the front desk checked their
    identity in person, recorded like the first visit's check: the kind of document, never its
    number."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="two_step_resets")
    identity_document = models.CharField(max_length=20, choices=IdentityDocument.choices)
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reset_at = models.DateTimeField()

    class Meta:
        ordering = ["-reset_at", "-id"]

    def __str__(self) -> str:
        return f"Two-step reset for patient #{self.patient_id} {self.reset_at:%Y-%m-%d %H:%M}"


# --- Appointments after the first visit ----------------------------------------------------------


class AppointmentKind(models.TextChoices):
    """What kind of visit, in words safe to show anywhere (never the reason for it)."""

    FOLLOW_UP = "follow_up", _("Follow-up visit")
    CHECK_UP = "check_up", _("Check-up")
    TESTS = "tests", _("Tests")
    OTHER = "other", _("Appointment")


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CANCELLED = "cancelled", "Cancelled"


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def for_listing(self) -> AppointmentQuerySet:
        return self.select_related("site", "with_staff__staff_profile", "booked_by__staff_profile")

    def upcoming(self, now: datetime | None = None) -> AppointmentQuerySet:
        return self.filter(
            status=AppointmentStatus.BOOKED, starts_at__gte=now or timezone.now()
        ).order_by("starts_at")


class Appointment(models.Model):
    """A later appointment the clinic records for a patient: when, where and with whom. The
    patient sees it in the portal and is told when it is booked or cancelled."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    site = models.ForeignKey("clinic.Site", on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    with_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=AppointmentKind.choices)
    status = models.CharField(
        max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    booked_at = models.DateTimeField(default=timezone.now)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            # One person, one appointment per slot (the same half-hour grid as first visits).
            models.UniqueConstraint(
                fields=["with_staff", "starts_at"],
                condition=Q(status="booked"),
                name="one_booked_appointment_per_staff_slot",
            )
        ]
        indexes = [models.Index(fields=["patient", "status", "starts_at"])]

    def __str__(self) -> str:
        return f"Appointment {self.pk} of patient {self.patient_id}"
