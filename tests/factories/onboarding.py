"""Onboarding factories and shortcuts that walk a visit through the real services."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import factory
from django.utils import timezone

from clinic.models import Role, User
from patients import services
from patients.models import (
    ChecklistItem,
    ChecklistOutcome,
    IdentityDocument,
    OnboardingVisit,
    VisitStatus,
    slot_times,
)

from .clinic import StaffFactory
from .patients import PatientFactory

SLOTS = slot_times()


def slot(day: date | None = None, *, days_ahead: int = 1, index: int = 4) -> datetime:
    """An aware slot start in the clinic's time zone (default: tomorrow 10:00)."""
    day = day or timezone.localdate() + timedelta(days=days_ahead)
    hour, minute = SLOTS[index]
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class OnboardingVisitFactory(factory.django.DjangoModelFactory):
    """A scheduled visit in a future slot (written directly; no invitation email)."""

    class Meta:
        model = OnboardingVisit

    patient = factory.SubFactory(PatientFactory)
    site = factory.SelfAttribute("patient.site")
    starts_at = factory.Sequence(
        lambda n: slot(days_ahead=1 + n // len(SLOTS), index=n % len(SLOTS))
    )
    staff_member = factory.SubFactory(StaffFactory, role=Role.FRONT_DESK)
    scheduled_by = factory.SelfAttribute("staff_member")
    status = VisitStatus.SCHEDULED


def checked_in(visit: OnboardingVisit, by: User | None = None) -> OnboardingVisit:
    return services.check_in(visit=visit, by=by or visit.staff_member)


def identity_verified(visit: OnboardingVisit, by: User | None = None) -> OnboardingVisit:
    by = by or visit.staff_member
    if visit.status == VisitStatus.SCHEDULED:
        visit = checked_in(visit, by)
    return services.verify_identity(visit=visit, document_type=IdentityDocument.PASSPORT, by=by)


def tick_everything(visit: OnboardingVisit, by: User | None = None) -> None:
    for item in ChecklistItem:
        services.record_checklist_item(
            visit=visit, item=item, outcome=ChecklistOutcome.EXPLAINED, by=by or visit.staff_member
        )


def completed(visit: OnboardingVisit, by: User | None = None) -> OnboardingVisit:
    visit = identity_verified(visit, by)
    tick_everything(visit, by)
    return services.complete_visit(visit=visit, by=by or visit.staff_member)


def issue_code(visit: OnboardingVisit, by: User | None = None) -> str:
    """Issue a code for a visit whose identity check is done; returns the plain code."""
    return services.issue_activation_code(visit=visit, issued_by=by or visit.staff_member).plain


def ready_to_activate(**patient_fields) -> tuple[OnboardingVisit, str]:
    """A completed visit and a fresh code for it: what a patient takes home."""
    visit = OnboardingVisitFactory(patient=PatientFactory(**patient_fields))
    visit = identity_verified(visit)
    plain = issue_code(visit)
    completed(visit)
    return visit, plain
