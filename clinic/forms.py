"""Form pieces every app shares: the date widget, and the one way to show a service's refusal."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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
