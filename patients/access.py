"""Load-and-authorise helpers for the onboarding pages: every object a view touches comes through
one of these, never straight from an id in the URL. Anyone who may not touch it gets a 404."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from clinic.decorators import ONBOARDING_ROLES
from clinic.models import User

from .models import Appointment, OnboardingVisit, Patient


def _require_onboarding_role(user: User) -> None:
    if not user.is_authenticated or user.role not in ONBOARDING_ROLES:
        raise Http404


def get_patient_for(user: User, pk: int) -> Patient:
    """Demographics and onboarding state only: no record content is reachable from here."""
    _require_onboarding_role(user)
    return get_object_or_404(
        Patient.objects.select_related("site", "user", "primary_physician__staff_profile"), pk=pk
    )


def get_visit_for(user: User, pk: int) -> OnboardingVisit:
    _require_onboarding_role(user)
    return get_object_or_404(OnboardingVisit.objects.for_visit_page(), pk=pk)


def get_appointment_for(user: User, pk: int) -> Appointment:
    """An appointment, for the front desk (or an admin covering it)."""
    _require_onboarding_role(user)
    return get_object_or_404(Appointment.objects.select_related("patient"), pk=pk)
