from __future__ import annotations

import time

from allauth.account.internal.flows.login import (
    AUTHENTICATION_METHODS_SESSION_KEY,
    get_authentication_records,
)
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

from .i18n import PATIENT_LANGUAGE_KEY, shipped_language
from .middleware import LAST_SEEN_KEY, SIGNED_IN_AT_KEY

# Credentials checked at sign-in that also count as "you confirmed it is you just now".
FRESH_CREDENTIAL_METHODS = {"password", "mfa"}


@receiver(user_logged_in)
def stamp_session_start(sender, request, user, **kwargs) -> None:
    """Start the absolute and idle clocks of a new session."""
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[SIGNED_IN_AT_KEY] = now
    request.session[LAST_SEEN_KEY] = now


@receiver(user_logged_in)
def remember_patient_language(sender, request, user, **kwargs) -> None:
    """A patient's pages come in their recorded language (clinic.middleware.
    PatientLanguageMiddleware); read it once, at sign-in."""
    if request is None or not hasattr(request, "session"):
        return
    patient = getattr(user, "patient", None)
    language = shipped_language(patient.preferred_language) if patient is not None else None
    if language:
        request.session[PATIENT_LANGUAGE_KEY] = language
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            # The rest of this request too ("You are signed in.").
            translation.activate(language)
            request.LANGUAGE_CODE = language


@receiver(user_logged_in)
def count_sign_in_as_recent_confirmation(sender, request, user, **kwargs) -> None:
    """allauth asks for the password again before security changes (setting up two-step
    verification, backup codes, email) unless the person confirmed it recently, and it does not
    count the sign-in itself: people were asked for the password they had typed two minutes
    before. The password (and code) typed to sign in count, for allauth's usual five minutes
    from when they were typed."""
    if request is None or not hasattr(request, "session"):
        return
    records = get_authentication_records(request, user)
    if not records:
        return
    request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {**record, "reauthenticated": True}
        if record.get("method") in FRESH_CREDENTIAL_METHODS
        else record
        for record in records
    ]
