"""Session safety and the staff-area gate."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from .auth import mfa_enabled, request_user
from .cache import CacheUnavailable
from .i18n import PATIENT_LANGUAGE_KEY

SIGNED_IN_AT_KEY = "rapport_signed_in_at"
LAST_SEEN_KEY = "rapport_last_seen"
# Writing the session on every request would cost a write per page; a short grace is harmless.
LAST_SEEN_RESOLUTION_SECONDS = 10

Handler = Callable[[HttpRequest], HttpResponse]


def _user_of(request: HttpRequest):
    if not hasattr(request, "_cached_user"):  # Django's own name for it (login/logout reset it)
        request._cached_user = request_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, with `request.user` loaded by `clinic.auth.request_user`: Django's `get_user`
    and its checks, taking the user that came with the session's row (clinic/sessions.py)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user_of(request))


def idle_limit_for(user) -> float:
    limit = (
        settings.SESSION_IDLE_TIMEOUT_STAFF
        if user.is_clinic_staff or user.is_staff
        else settings.SESSION_IDLE_TIMEOUT_PATIENT
    )
    return limit.total_seconds()


class SessionTimeoutMiddleware:
    """Sign people out after an idle period (15 minutes staff, 30 patients) and after 12 hours in
    any case, and tell them why on the sign-in page."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            session = request.session
            now = time.time()
            signed_in_at = session.get(SIGNED_IN_AT_KEY)
            last_seen = session.get(LAST_SEEN_KEY)
            idle_limit = idle_limit_for(user)
            why = None
            if signed_in_at is None or last_seen is None:
                # A session we did not stamp at sign-in: treat it as expired rather than trust it.
                why = _("You were signed out for your safety. Please sign in again.")
            elif now - last_seen > idle_limit:
                why = _(
                    "You were signed out for your safety after %(minutes)s minutes without "
                    "activity. Please sign in again."
                ) % {"minutes": int(idle_limit // 60)}
            elif now - signed_in_at > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds():
                hours = int(settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds() // 3600)
                why = _(
                    "You were signed out for your safety because you had been signed in for "
                    "%(hours)s hours. Please sign in again."
                ) % {"hours": hours}
            if why is not None:
                logout(request)
                messages.warning(request, why)
                return redirect_to_login(request.get_full_path())
            if now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class StaffAreaMiddleware:
    """Every URL under /staff/ and /admin/ needs a signed-in staff member with two-step
    verification set up. Checking by path means a new staff view cannot forget it."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        is_admin = path.startswith("/admin/")
        if path.startswith("/staff/") or path == "/staff" or is_admin:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.is_clinic_staff or (is_admin and not user.is_staff):
                raise PermissionDenied("This page is for clinic staff.")
            if not mfa_enabled(user):
                messages.info(
                    request,
                    "Staff accounts must use two-step verification. Set up an authenticator app "
                    "to continue.",
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Pages seen by a signed-in person may hold health data: browsers and proxies must not keep
    them."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated or request.path_info.startswith(("/portal/", "/staff/")):
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response


class CacheUnavailableMiddleware:
    """Rate limits (sign-in, activation, password reset, two-step codes) live in the cache. When
    it is down they fail closed: the person gets a clear "try again in a minute" page (503),
    never an unchecked attempt and never a server error."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, CacheUnavailable):
            return None
        response = render(
            request,
            "clinic/check_unavailable.html",
            {"clinic_phone": settings.CLINIC_PHONE},
            status=503,
        )
        response["Retry-After"] = "60"
        return response


class PatientLanguageMiddleware:
    """After Django's LocaleMiddleware (the switcher's cookie, else Accept-Language): a signed-in
    patient who has not picked a language with the switcher gets their recorded language, when
    we ship it; sign-in keeps it in the session (clinic.signals), so this costs no query. Staff
    get English."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        language = None
        if not user.is_authenticated:
            pass
        elif user.is_clinic_staff or user.is_staff:
            # Staff pages are in English only; half-translated pages would be worse.
            language = settings.LANGUAGE_CODE
        elif settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            language = request.session.get(PATIENT_LANGUAGE_KEY)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
