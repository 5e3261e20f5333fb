"""Load-and-authorise helpers for the onboarding pages: every object a view touches comes through
one of these, never straight from an id in the URL. Anyone who may not touch it gets a 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from clinic.models import Role

from .models import OnboardingVisit, Patient

# Who runs onboarding. Physicians are not included: the front desk schedules and meets patients
# first, and a physician's way to a patient goes through consent.
ONBOARDING_ROLES = (Role.FRONT_DESK, Role.ADMIN)


def _require_onboarding_role(request: HttpRequest) -> None:
    user = request.user
    if not user.is_authenticated or user.role not in ONBOARDING_ROLES:
        raise Http404


def patient_for_front_desk(request: HttpRequest, pk: int) -> Patient:
    """Demographics and onboarding state only: no record content is reachable from here."""
    _require_onboarding_role(request)
    return get_object_or_404(
        Patient.objects.select_related("site", "user", "primary_physician__staff_profile"), pk=pk
    )


def visit_for_front_desk(request: HttpRequest, pk: int) -> OnboardingVisit:
    _require_onboarding_role(request)
    return get_object_or_404(OnboardingVisit.objects.for_visit_page(), pk=pk)
