"""Emails rendered from `templates/emails/<name>-subject.txt`, `-body.txt` and `-body.html`."""

from __future__ import annotations

from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

# Celery options for tasks that send mail: retried with backoff when the mail server or network
# fails. At-most-once is each delivery service's job (row lock + sent stamp), so a redelivered
# message is harmless.
SENDS_EMAIL = {
    "acks_late": True,
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 10,
}


def build_templated_email(
    *, to: str, template: str, context: dict, language: str | None = None
) -> EmailMultiAlternatives:
    """The email in `language` (the recipient's: see clinic.i18n.language_for_patient), whatever
    the language of the request or worker that sends it."""
    context = {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "portal_url": settings.PORTAL_BASE_URL.rstrip("/"),
        **context,
    }
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{template}-subject.txt", context)
        text = render_to_string(f"emails/{template}-body.txt", context)
        html = render_to_string(f"emails/{template}-body.html", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    return message
