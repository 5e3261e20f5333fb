"""Form pieces every app shares: the date widget, and the one way to show a service's refusal."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# One date format, typed as the hint shows it. (A browser's date picker shows the format of the
# browser's language, e.g. 03/14/2026, which no hint of ours could match.)
DATE_INPUT = forms.DateInput(
    attrs={"inputmode": "numeric", "autocomplete": "off", "size": 12}, format="%Y-%m-%d"
)
DATE_HINT = _("Year-month-day, for example 2026-03-14.")

# Every date a person types must fall in this range: real dates outside it are typing mistakes,
# and far ones (9999-12-31) would overflow the day arithmetic that follows.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


class DateField(forms.DateField):
    """A date typed by a person: a real calendar date between 1900 and 2100, in the format the
    hint shows (YYYY-MM-DD, which is what the browser's date picker sends)."""

    default_error_messages = {
        "invalid": _("Enter a real date, for example 2026-03-14."),
        "out_of_range": _("Enter a date between 1900 and 2100."),
    }

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", DATE_INPUT)
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        kwargs.setdefault("help_text", DATE_HINT)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            # "2026 03 14", "2026/03/14" and "2026.3.14" are the hint's format with other marks.
            value = "-".join(part for part in re.split(r"[\s/.\-]+", value.strip()) if part)
        day = super().to_python(value)
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        return day


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day`, clinic time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def service_error_text(error: ValidationError | PermissionDenied) -> str:
    """A service's refusal as one sentence, for a page without a form (shown as a message)."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "You cannot do this."


def add_service_error(form: forms.Form, error: ValidationError | PermissionDenied) -> None:
    """Show a service's refusal on the form: next to the field it names when the form has that
    field, otherwise in the summary at the top."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, service_error_text(error))
