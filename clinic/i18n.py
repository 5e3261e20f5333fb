"""The languages the patient-facing side ships in, and which one a person gets.

Chosen per request (clinic.middleware.PatientLanguageMiddleware): the language picked with the
switcher (Django's language cookie), else the signed-in patient's recorded language when we ship
it, else the browser's Accept-Language. Emails and the printed handout use the patient's recorded
language (`language_for_patient`), since nobody's browser is there when they are rendered.
Staff pages are in English.
"""

from __future__ import annotations

import gettext as gettext_module

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import pgettext

# Where sign-in keeps the patient's recorded language, so no page pays a query for it.
PATIENT_LANGUAGE_KEY = "rapport_patient_language"


def shipped_language(code: str | None) -> str | None:
    """The language we ship for a recorded language code ("es" → "es", "en" → "en-gb"), or None
    when we do not ship it (then the browser's choice stands)."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def language_for_patient(patient) -> str:
    """The language to write to this patient in: their recorded one when we ship it, else the
    clinic's default."""
    if patient is None:
        return settings.LANGUAGE_CODE
    return shipped_language(patient.preferred_language) or settings.LANGUAGE_CODE


def language_for_user(user) -> str:
    """The language to write to this person in: a patient's recorded language; staff English."""
    # A missing patient raises RelatedObjectDoesNotExist, an AttributeError.
    return language_for_patient(getattr(user, "patient", None))


def day_month(moment) -> str:
    """ "3 December" / "3 de diciembre", in the clinic's time zone."""
    return date_format(timezone.localtime(moment), pgettext("date format", "j F"))


def day_month_time(moment) -> str:
    """ "3 December at 14:05" / "3 de diciembre a las 14:05", in the clinic's time zone."""
    return date_format(timezone.localtime(moment), pgettext("date format", r"j F \a\t H:i"))


def full_date(moment) -> str:
    """ "3 December 2026" / "3 de diciembre de 2026" (a date, or a moment in the clinic's zone)."""
    if hasattr(moment, "tzinfo"):
        moment = timezone.localtime(moment)
    return date_format(moment, pgettext("date format", "j F Y"))


def day_time_short(moment) -> str:
    """ "3 Dec at 14:05" / "3 dic a las 14:05", in the clinic's time zone."""
    return date_format(timezone.localtime(moment), pgettext("date format", r"j M \a\t H:i"))


def in_language_of(user):
    """Write a stored message (a notification) in the language of the person who will read it."""
    return translation.override(language_for_user(user))


def drop_empty_fallbacks() -> None:
    """Behind each language's merged catalog Django chains, as fallbacks, the catalogs of the
    plainer variant that apps ship ("en" behind "en_GB"): six here, each holding nothing but its
    header. Every message without a translation (each English string of a staff page, each
    lazy choice label Django hashes to show a field's display value) walked all of them on
    every call. Unlink the empty ones, once at start-up, for the languages we ship: a message
    comes back exactly as before (an empty catalog can only pass it on)."""
    from django.utils.translation import trans_real

    for code in {settings.LANGUAGE_CODE, *(code for code, _name in settings.LANGUAGES)}:
        link = trans_real.translation(code)
        while link is not None:
            following = getattr(link, "_fallback", None)
            while _holds_nothing(following):
                following = following._fallback
            link._fallback = following
            link = following


def _holds_nothing(catalog) -> bool:
    from django.utils.translation.trans_real import DjangoTranslation

    return (
        isinstance(catalog, gettext_module.GNUTranslations)
        and not isinstance(catalog, DjangoTranslation)
        and set(catalog._catalog) <= {""}
    )
