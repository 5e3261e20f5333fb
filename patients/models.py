"""Patients and their onboarding into the portal."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

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
