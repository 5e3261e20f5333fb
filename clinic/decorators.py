"""Role gates for views. Object-level checks live in each app's access helpers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def role_required(*roles: str) -> Callable[[View], View]:
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


def patient_required(view: View) -> View:
    """Allow only a signed-in patient; sets `request.patient` to their own record. Patient views
    never take a patient id from the URL."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        patient = getattr(request.user, "patient", None)
        if patient is None:
            raise PermissionDenied("This page is for patients.")
        request.patient = patient
        return view(request, *args, **kwargs)

    return wrapper
