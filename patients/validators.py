"""Validators for what the front desk and patients type. Markup and control characters are refused
outright rather than stored: these values end up in emails, printed handouts and other apps."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NAME_PUNCTUATION = frozenset(" '’-.,")
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ().-]{4,38}$")
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def validate_person_name(value: str) -> None:
    """Letters from any script (with their accents), spaces, apostrophes, hyphens, full stops and
    commas: enough for real names, nothing that could be markup."""
    for char in value:
        if char in NAME_PUNCTUATION or char.isalpha() or unicodedata.category(char).startswith("M"):
            continue
        raise ValidationError(
            _(
                "Names may contain letters, spaces, apostrophes, hyphens, full stops and commas "
                "only."
            ),
            code="invalid_name",
        )


def validate_phone(value: str) -> None:
    if not PHONE_PATTERN.match(value):
        raise ValidationError(
            _(
                "Enter a phone number using digits, spaces and an optional leading +, "
                "e.g. +44 20 7946 0000."
            ),
            code="invalid_phone",
        )


def validate_plain_text(value: str) -> None:
    """Free text (e.g. a cancellation reason): no markup and no control characters."""
    if "<" in value or ">" in value:
        raise ValidationError(_("Please do not use < or > here."), code="markup")
    if any(unicodedata.category(char) == "Cc" and char not in "\r\n\t" for char in value):
        raise ValidationError(_("This text contains characters we cannot store."), code="control")


def validate_birth_date(value: date) -> None:
    if value > timezone.localdate():
        raise ValidationError(_("The date of birth cannot be in the future."), code="future")
    if value < EARLIEST_BIRTH_DATE:
        raise ValidationError(
            _("Check the year: the date of birth is before 1900."), code="too_early"
        )
