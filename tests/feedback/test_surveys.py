"""Trust surveys: instruments as data with the System Usability Scale's standard scoring,
invitations on a schedule, one response per invitation, the patient's own answers, anonymity."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from feedback import surveys, tasks
from feedback.models import (
    Instrument,
    SurveyInvitation,
    SurveyResponse,
    score_answers,
)
from notifications.models import Notification, NotificationKind
from tests.factories import PatientUserFactory, SiteFactory, frozen_time


def sus_score(answers: list[int]) -> float:
    items = Instrument.objects.get(slug="sus").items.all()
    return score_answers([(item.reverse_scored, a) for item, a in zip(items, answers, strict=True)])


# Known answers worked by hand from Brooke's rule: odd items score answer − 1, even items
# 5 − answer, the sum times 2.5.
@pytest.mark.parametrize(
    ("answers", "score"),
    [
        ([3] * 10, 50.0),  # all neutral
        ([5, 1] * 5, 100.0),  # best possible
        ([1, 5] * 5, 0.0),  # worst possible
        ([5] * 10, 50.0),  # "strongly agree" to everything: 20 + 0
        ([4, 2, 4, 1, 5, 1, 4, 2, 4, 2], 82.5),  # 16 + 17 = 33, × 2.5
        ([2, 4, 3, 3, 2, 4, 3, 3, 2, 4], 35.0),  # 7 + 7 = 14, × 2.5
    ],
)
def test_sus_is_scored_the_standard_way(db, answers, score):
    assert sus_score(answers) == score


def test_both_instruments_ship_as_data(db):
    sus = Instrument.objects.get(slug="sus")
    assert sus.items.count() == 10
    assert [i.reverse_scored for i in sus.items.all()] == [False, True] * 5
    pulse = Instrument.objects.get(slug="trust-pulse")
    assert pulse.items.filter(reverse_scored=True).count() == 1


def _joined(user, when: dt.datetime) -> None:
    type(user).objects.filter(pk=user.pk).update(date_joined=when)


def test_invitations_come_7_days_after_activation_then_every_six_months(patient_user):
    joined = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    _joined(patient_user, joined)
    with frozen_time(joined + dt.timedelta(days=6, hours=23)):
        assert tasks.invite_to_surveys() == 0
    with frozen_time(joined + dt.timedelta(days=7)):
        assert tasks.invite_to_surveys() == 2  # one per active instrument
        assert tasks.invite_to_surveys() == 0  # a rerun invites nobody twice
    with frozen_time(joined + dt.timedelta(days=7 + 181)):
        assert tasks.invite_to_surveys() == 0
    with frozen_time(joined + dt.timedelta(days=7 + 182)):
        assert tasks.invite_to_surveys() == 2
    rounds = sorted(SurveyInvitation.objects.values_list("round", flat=True))
    assert rounds == [0, 0, 1, 1]
    notes = Notification.objects.filter(
        recipient=patient_user, kind=NotificationKind.SURVEY_INVITATION
    )
    assert notes.count() == 4
    assert "optional" in notes.first().message


def test_inactive_instruments_and_patients_without_accounts_get_no_invitation(patient_user):
    Instrument.objects.filter(slug="sus").update(is_active=False)
    _joined(patient_user, dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    with frozen_time(dt.datetime(2026, 2, 1, tzinfo=dt.UTC)):
        assert tasks.invite_to_surveys() == 1
    assert SurveyInvitation.objects.get().instrument.slug == "trust-pulse"


@pytest.fixture
def invitation(patient):
    return SurveyInvitation.objects.create(
        instrument=Instrument.objects.get(slug="sus"), patient=patient, round=0
    )


def _post_data(invitation, answers):
    items = invitation.instrument.items.all()
    return {f"item_{item.pk}": str(a) for item, a in zip(items, answers, strict=True)}


def test_the_patient_answers_once_and_sees_their_own_answers(client, patient_user, invitation):
    client.force_login(patient_user)
    url = f"/portal/feedback/surveys/{invitation.pk}/"
    page = client.get(url).content.decode()
    assert "I found the portal unnecessarily complex." in page
    response = client.post(url, _post_data(invitation, [4, 2, 4, 1, 5, 1, 4, 2, 4, 2]))
    assert response.status_code == 302
    saved = SurveyResponse.objects.get()
    assert saved.score == 82.5
    assert saved.answers.count() == 10
    again = client.post(url, _post_data(invitation, [1] * 10), follow=True)
    assert "already answered" in again.content.decode()
    assert SurveyResponse.objects.count() == 1
    mine = client.get(url).content.decode()
    assert "82.5" in mine and "Strongly agree" in mine
    with pytest.raises(ValidationError):
        surveys.answer_survey(invitation=invitation, answers={})


@pytest.mark.parametrize("bad", ["6", "0", "abc", "<script>", "9" * 40, ""])
def test_bad_answers_are_refused_and_nothing_is_saved(client, patient_user, invitation, bad):
    client.force_login(patient_user)
    data = _post_data(invitation, [3] * 10)
    data[next(iter(data))] = bad
    response = client.post(f"/portal/feedback/surveys/{invitation.pk}/", data)
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_another_patients_invitation_is_404(client, other_patient_user, invitation):
    client.force_login(other_patient_user)
    url = f"/portal/feedback/surveys/{invitation.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, _post_data(invitation, [3] * 10)).status_code == 404
    assert not SurveyResponse.objects.exists()


def test_staff_cannot_open_a_survey(client, privacy_officer, invitation):
    client.force_login(privacy_officer)
    assert client.get(f"/portal/feedback/surveys/{invitation.pk}/").status_code == 403


def test_groups_under_five_responses_are_hidden(db):
    big, small = SiteFactory(name="Big"), SiteFactory(name="Small")
    sus = Instrument.objects.get(slug="sus")
    for site, count in ((big, 5), (small, 4)):
        for _ in range(count):
            patient = PatientUserFactory(patient__site=site).patient
            invitation = SurveyInvitation.objects.create(instrument=sus, patient=patient, round=0)
            surveys.answer_survey(
                invitation=invitation, answers={item.pk: 3 for item in sus.items.all()}
            )
    groups = surveys.scores_by_group(SurveyResponse.objects.all(), "site__name")
    assert groups == [{"site__name": "Big", "responses": 5, "mean_score": 50.0}]


def test_admin_edits_instruments_but_not_an_answered_ones_items(client, clinic_admin, invitation):
    sus = invitation.instrument
    client.force_login(clinic_admin)
    url = f"/admin/feedback/instrument/{sus.pk}/change/"
    assert 'name="items-0-text"' in client.get(url).content.decode()
    surveys.answer_survey(invitation=invitation, answers={i.pk: 3 for i in sus.items.all()})
    page = client.get(url).content.decode()
    assert client.get(url).status_code == 200
    assert 'name="items-0-text"' not in page  # shown read-only: add a new version instead
