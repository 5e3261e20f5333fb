"""Role gates for views: one per role, defined here and nowhere else. Object-level checks live in
each app's access helpers (`get_<thing>_for(user, pk)`, 404 for outsiders)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .auth import mfa_enabled
from .models import STAFF_ROLES, Role

View = Callable[..., HttpResponse]

# Who runs onboarding. Physicians are not included: the front desk schedules and meets patients
# first, and a physician's way to a patient goes through consent.
ONBOARDING_ROLES = (Role.FRONT_DESK, Role.ADMIN)


def _role_gate(*roles: str) -> Callable[[View], View]:
    """Allow only signed-in users whose role is one of `roles`; everyone else gets 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.role not in roles:
                raise PermissionDenied("Your role cannot use this page.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = _role_gate(*STAFF_ROLES)
physician_required = _role_gate(Role.PHYSICIAN)
privacy_officer_required = _role_gate(Role.PRIVACY_OFFICER)
front_desk_required = _role_gate(*ONBOARDING_ROLES)  # the front desk, or an admin covering it


def patient_required(view: View) -> View:
    """Allow only a signed-in patient; sets `request.patient` to their own record. Patient views
    never take a patient id from the URL. Where the clinic makes two-step verification mandatory
    (`PATIENT_MFA_REQUIRED`), a patient without it is sent to set it up first."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        patient = getattr(request.user, "patient", None)
        if patient is None:
            raise PermissionDenied("This page is for patients.")
        if settings.PATIENT_MFA_REQUIRED and not mfa_enabled(request.user):
            messages.info(
                request,
                "Your clinic asks every patient to use two-step verification. Set it up to open "
                "your portal.",
            )
            return redirect("mfa_activate_totp")
        request.patient = patient
        return view(request, *args, **kwargs)

    return wrapper
