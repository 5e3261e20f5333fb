"""Consent's email-only messages in the one outbox (see `notifications.delivery`): a sharing
choice recorded for a patient who has no portal account yet is read back to them by email."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.utils import translation

from clinic.emails import build_templated_email
from clinic.i18n import language_for_patient
from notifications.models import Notification, NotificationKind

from .models import ConsentGrant


def build_consent_recorded_email(notification: Notification) -> EmailMultiAlternatives | None:
    grant = (
        ConsentGrant.objects.with_people()
        .select_related("patient", "visit")
        .filter(pk=notification.subject_id)
        .first()
    )
    if grant is None or grant.revoked_at is not None:
        return None  # stopped already: nothing left to confirm
    language = language_for_patient(grant.patient)
    with translation.override(language):
        confirmation = grant.confirmation()
    return build_templated_email(
        to=grant.patient.email,
        template="consent-recorded",
        context={"patient_name": grant.patient.display_name, "confirmation": confirmation},
        language=language,
    )


EMAIL_BUILDERS = {NotificationKind.CONSENT_RECORDED: build_consent_recorded_email}
