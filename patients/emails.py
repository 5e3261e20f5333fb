"""Emails about onboarding visits. They say when and where, what to bring and why we meet in
person; they never carry health data, the MRN or the date of birth."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from clinic.emails import build_templated_email
from clinic.i18n import language_for_patient
from notifications.models import NotificationKind

from .models import SLOT_MINUTES, OnboardingVisit

TEMPLATES = {
    NotificationKind.ONBOARDING_INVITATION: "onboarding-invitation",
    NotificationKind.ONBOARDING_RESCHEDULED: "onboarding-rescheduled",
    NotificationKind.ONBOARDING_CANCELLED: "onboarding-cancelled",
}


def visit_email_context(visit: OnboardingVisit) -> dict:
    staff = visit.staff_member
    profile = getattr(staff, "staff_profile", None)
    return {
        "patient_name": visit.patient.display_name,
        "starts_at": timezone.localtime(visit.starts_at),
        "duration_minutes": SLOT_MINUTES,
        "site": visit.site,
        "staff_name": profile.display_name if profile is not None else "",
    }


def build_visit_email(visit: OnboardingVisit, kind: str) -> EmailMultiAlternatives:
    return build_templated_email(
        to=visit.patient.email,
        template=TEMPLATES[kind],
        context=visit_email_context(visit),
        language=language_for_patient(visit.patient),
    )
