"""Patients and their onboarding into the portal."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from .storage import private_storage

# Crockford-style alphabet: no 0/O or 1/I/L, so MRNs read back over the phone without mistakes.
MRN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
MRN_LENGTH = 8


def generate_mrn() -> str:
    """A random medical record number: unrelated to any other patient's, so one MRN tells nothing
    about the next (about 39 bits)."""
    return "R" + "".join(secrets.choice(MRN_ALPHABET) for _ in range(MRN_LENGTH))


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Spanish"
    FRENCH = "fr", "French"
    PORTUGUESE = "pt", "Portuguese"
    POLISH = "pl", "Polish"
    ARABIC = "ar", "Arabic"
    CHINESE = "zh", "Chinese"
    OTHER = "other", "Other (tell the front desk)"


class PatientQuerySet(models.QuerySet["Patient"]):
    def matching_identity(self, *, legal_name: str, date_of_birth) -> PatientQuerySet:
        """Likely duplicates: the same legal name (ignoring case and spacing) and date of birth."""
        normalised = " ".join(legal_name.split())
        return self.filter(legal_name__iexact=normalised, date_of_birth=date_of_birth)

    def visible_to(self, user, *, now=None) -> PatientQuerySet:
        """Patients whose record `user` may currently open (a grant in force or an open emergency
        access). The policy lives in `consent.selectors`."""
        from consent.selectors import filter_visible_patients

        return filter_visible_patients(self, user, now=now)


class Patient(models.Model):
    mrn = models.CharField("MRN", max_length=16, unique=True, default=generate_mrn, editable=False)
    legal_name = models.CharField(max_length=150)
    preferred_name = models.CharField(max_length=150, blank=True)
    date_of_birth = models.DateField()
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=40, blank=True)
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


class RecordCategory(models.TextChoices):
    VISIT_NOTE = "visit_note", "Visit note"
    LAB_RESULT = "lab_result", "Lab result"
    MEDICATION = "medication", "Medication"
    ALLERGY = "allergy", "Allergy"
    IMMUNIZATION = "immunization", "Immunization"
    DOCUMENT = "document", "Document"


# Plural, lower-case names for plain-language sentences ("can see your lab results").
CATEGORY_PLURALS = {
    RecordCategory.VISIT_NOTE: "visit notes",
    RecordCategory.LAB_RESULT: "lab results",
    RecordCategory.MEDICATION: "medications",
    RecordCategory.ALLERGY: "allergies",
    RecordCategory.IMMUNIZATION: "immunizations",
    RecordCategory.DOCUMENT: "documents",
}


class Sensitivity(models.TextChoices):
    MENTAL_HEALTH = "mental_health", "Mental health"
    SEXUAL_HEALTH = "sexual_health", "Sexual health"
    SUBSTANCE_USE = "substance_use", "Substance use"
    GENETICS = "genetics", "Genetics"


class RecordEntryQuerySet(models.QuerySet["RecordEntry"]):
    def visible_to(self, user, *, now=None) -> RecordEntryQuerySet:
        """Entries `user` may read right now under the patient's consent or an open emergency
        access. The policy lives in `consent.selectors`."""
        from consent.selectors import filter_visible_entries

        return filter_visible_entries(self, user, now=now)

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
