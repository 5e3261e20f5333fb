"""Emails about onboarding visits. They say when and where, what to bring and why we meet in
person; they never carry health data, the MRN or the date of birth."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from .models import SLOT_MINUTES, OnboardingVisit

TEMPLATES = {
    "invitation": "onboarding-invitation",
    "rescheduled": "onboarding-rescheduled",
    "cancelled": "onboarding-cancelled",
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
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "portal_url": settings.PORTAL_BASE_URL.rstrip("/"),
    }


def build_visit_email(visit: OnboardingVisit, kind: str) -> EmailMultiAlternatives:
    name = TEMPLATES[kind]
    context = visit_email_context(visit)
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    text = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[visit.patient.email],
    )
    message.attach_alternative(html, "text/html")
    return message
