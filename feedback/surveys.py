"""Trust surveys: invitations on a schedule, one response per invitation, scoring, and the only
reads staff get (aggregates of groups of at least MIN_GROUP_SIZE)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from clinic.i18n import shipped_language
from notifications.models import NotificationKind
from notifications.services import notify
from patients.models import Patient

from .models import (
    MIN_GROUP_SIZE,
    Instrument,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
    score_answers,
)

FIRST_INVITATION_AFTER = dt.timedelta(days=7)
INVITATION_EVERY = dt.timedelta(days=182)  # about six months


def _survey_message(language: str) -> str:
    with translation.override(language):
        return gettext(
            "A short survey is waiting for you: a few statements about the clinic and its "
            "portal. It is optional and takes about 3 minutes."
        )


def current_round(activated_at: dt.datetime, now: dt.datetime) -> int | None:
    """Which invitation round a patient activated at `activated_at` is due at `now`: none in
    the first 7 days, round 0 from day 7, then one more round every six months."""
    since_first = now - (activated_at + FIRST_INVITATION_AFTER)
    if since_first < dt.timedelta(0):
        return None
    return since_first // INVITATION_EVERY


def invite_due_patients(now: dt.datetime | None = None) -> int:
    """Beat: invite every patient with a portal account to each active instrument for the
    round now due, once (a unique constraint makes a rerun harmless). Returns how many
    invitations were made."""
    now = now or timezone.now()
    instruments = list(Instrument.objects.active())
    if not instruments:
        return 0
    existing = set(
        SurveyInvitation.objects.filter(instrument__in=instruments).values_list(
            "patient_id", "instrument_id", "round"
        )
    )
    made = 0
    patients = Patient.objects.filter(
        user__isnull=False,
        user__is_active=True,
        user__date_joined__lte=now - FIRST_INVITATION_AFTER,
    ).values_list("pk", "user_id", "user__date_joined", "preferred_language")
    for patient_id, user_id, activated_at, recorded_language in patients.iterator():
        language = shipped_language(recorded_language) or settings.LANGUAGE_CODE
        due_round = current_round(activated_at, now)
        if due_round is None:
            continue
        for instrument in instruments:
            if (patient_id, instrument.pk, due_round) in existing:
                continue
            try:
                with transaction.atomic():
                    invitation = SurveyInvitation.objects.create(
                        instrument=instrument,
                        patient_id=patient_id,
                        round=due_round,
                        created_at=now,
                    )
                    notify(
                        recipient_id=user_id,
                        kind=NotificationKind.SURVEY_INVITATION,
                        message=_survey_message(language),
                        link=reverse("portal:survey", args=[invitation.pk]),
                    )
            except IntegrityError:
                continue  # another run made it first
            made += 1
    return made


@transaction.atomic
def answer_survey(*, invitation: SurveyInvitation, answers: dict[int, int]) -> SurveyResponse:
    """Save the patient's answers (item id → 1..5) to one invitation, once. Every item must be
    answered; the score is computed here."""
    invitation = (
        SurveyInvitation.objects.select_for_update(of=("self",))
        .select_related("patient", "instrument")
        .get(pk=invitation.pk)
    )
    if invitation.answered_at is not None:
        raise ValidationError("You have already answered this survey. Thank you.")
    items = list(invitation.instrument.items.all())
    missing = [item for item in items if answers.get(item.pk) not in range(1, 6)]
    if missing:
        raise ValidationError(
            f"Please answer every statement ({len(missing)} still without an answer)."
        )
    now = timezone.now()
    response = SurveyResponse.objects.create(
        invitation=invitation,
        instrument=invitation.instrument,
        site_id=invitation.patient.site_id,
        submitted_at=now,
        score=score_answers([(item.reverse_scored, answers[item.pk]) for item in items]),
    )
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(response=response, item=item, value=answers[item.pk]) for item in items
    )
    invitation.answered_at = now
    invitation.save(update_fields=["answered_at"])
    return response


def scores_by_group(responses, *groups: str) -> list[dict]:
    """Mean score and count per group (e.g. by site, or by quarter) in one query; groups with
    fewer than MIN_GROUP_SIZE responses are dropped, never shown."""
    return list(
        responses.values(*groups)
        .annotate(responses=Count("id"), mean_score=Avg("score"))
        .filter(responses__gte=MIN_GROUP_SIZE)
        .order_by(*groups)
    )
