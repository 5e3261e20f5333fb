"""The top of the patient's home tells them where they stand: who can see their record now, how
many looks this month (and how many were emergencies), requests and concerns waiting, and how far
their access log has been verified."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from accesslog.chain import append_event
from accesslog.models import (
    AccessAction,
    AccessBasis,
    AccessChainHead,
    AccessChainVerification,
    AccessTarget,
)
from clinic.models import Role
from consent import services as consent_services
from consent.models import Purpose, Scope
from feedback.models import GrievanceStatus
from tests.factories import (
    CareTeamFactory,
    StaffFactory,
    concern,
    emergency_access,
    expired_grant,
    grant,
    revoked_grant,
)


def _look(patient, actor, basis: str, at: dt.datetime | None = None) -> None:
    append_event(
        patient=patient,
        actor=actor,
        action=AccessAction.VIEW,
        target=AccessTarget.RECORD,
        basis=basis,
        purpose="treatment",
        occurred_at=at,
    )


def _figure(page: str, label: str) -> str:
    """The text of one summary figure (its <dd>), tags removed and spaces collapsed."""
    match = re.search(rf"<dt>{re.escape(label)}</dt>\s*<dd>(.*?)</dd>", page, re.S)
    assert match, f"no figure {label!r}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def _home(client, user) -> str:
    client.force_login(user)
    response = client.get("/portal/")
    assert response.status_code == 200
    return response.content.decode()


def test_new_patient_sees_nobody_can_see_and_nothing_to_verify(client, patient_user):
    page = _home(client, patient_user)
    assert "Where you stand" in page
    assert _figure(page, "Who can see your record now").startswith("0 people, 0 teams Only you.")
    assert _figure(page, "Looks at your record this month").startswith("0 Not counting your own.")
    assert _figure(page, "Requests waiting for your answer").startswith("0")
    assert _figure(page, "Your open concerns").startswith("0")
    assert _figure(page, "Your access log").startswith("Nothing to verify yet")


def test_who_can_see_counts_people_and_teams_in_force_only(
    client, patient, patient_user, physician, other_physician, other_patient
):
    grant(patient, physician)
    grant(patient, physician, scope=Scope.CATEGORY, category="lab_result")  # same person twice
    grant(patient, team=CareTeamFactory(members=[other_physician]))
    expired_grant(patient, StaffFactory(role=Role.PHYSICIAN))
    revoked_grant(patient, StaffFactory(role=Role.PHYSICIAN))
    grant(other_patient, StaffFactory(role=Role.PHYSICIAN))  # someone else's record
    page = _home(client, patient_user)
    assert _figure(page, "Who can see your record now").startswith("1 person, 1 team Sharing")


def test_an_open_emergency_access_is_counted_apart(client, patient, patient_user, physician):
    emergency_access(physician, patient)
    page = _home(client, patient_user)
    figure = _figure(page, "Who can see your record now")
    assert figure.startswith("0 people, 0 teams Plus 1 person in an emergency right now.")
    assert 'summary-item summary-alert">\n            <dt>Who can see' in page


def test_looks_this_month_leave_out_own_looks_and_earlier_months(
    client, patient, patient_user, physician, other_physician, other_patient
):
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    _look(patient, physician, AccessBasis.GRANT, at=month_start - dt.timedelta(hours=1))
    _look(patient, physician, AccessBasis.GRANT)
    _look(patient, other_physician, AccessBasis.GRANT)
    _look(patient, other_physician, AccessBasis.EMERGENCY)
    _look(patient, patient_user, AccessBasis.SELF)
    _look(other_patient, physician, AccessBasis.EMERGENCY)
    page = _home(client, patient_user)
    assert _figure(page, "Looks at your record this month").startswith(
        "3 1 in an emergency. See who looked"
    )


def test_requests_and_open_concerns_waiting(
    client, patient, patient_user, physician, other_physician, privacy_officer, other_patient
):
    for who in (physician, other_physician):
        consent_services.request_access(
            physician=who, patient=patient, scope=Scope.RECORD, purpose=Purpose.TREATMENT
        )
    answered = consent_services.request_access(
        physician=physician, patient=other_patient, scope=Scope.RECORD, purpose=Purpose.TREATMENT
    )
    assert answered.patient == other_patient
    concern(patient)
    concern(patient, officer=privacy_officer, status=GrievanceStatus.INVESTIGATING)
    concern(patient, officer=privacy_officer, status=GrievanceStatus.RESOLVED)
    concern(other_patient)
    page = _home(client, patient_user)
    assert _figure(page, "Requests waiting for your answer").startswith("2 Answer them")
    assert _figure(page, "Your open concerns").startswith("2 See them")


def test_log_verification_follows_the_stored_mark(client, patient, patient_user, physician):
    for _ in range(3):
        _look(patient, physician, AccessBasis.GRANT)
    page = _home(client, patient_user)
    assert _figure(page, "Your access log").startswith("3 new looks to check")
    assert client.get("/portal/access-log/").status_code == 200  # the log page verifies
    page = _home(client, patient_user)
    assert _figure(page, "Your access log").startswith("No problem found Every look was checked")


def test_a_broken_link_is_reported(client, patient, patient_user, physician):
    for _ in range(2):
        _look(patient, physician, AccessBasis.GRANT)
    head = AccessChainHead.objects.get(patient=patient)
    AccessChainVerification.objects.create(
        patient=patient,
        sequence=1,
        hash=head.hash,
        verified_at=timezone.now(),
        broken_sequence=2,
        broken_reason="its fields were changed after writing",
    )
    page = _home(client, patient_user)
    figure = _figure(page, "Your access log")
    assert figure.startswith("A problem was found Look number 2 does not verify")


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.FRONT_DESK])
def test_staff_have_no_patient_home(client, db, role):
    client.force_login(StaffFactory(role=role))
    response = client.get("/portal/")
    assert response.status_code in (302, 403, 404)
    assert "Where you stand" not in response.content.decode()


def test_an_open_alarm_about_the_checkpoints_is_reported(client, patient, patient_user, physician):
    """The same rule as the access-log page: an open alarm about the checkpoints concerns every
    patient's log, even when this chain's own links verify."""
    from accesslog.checkpoints import raise_alarms

    _look(patient, physician, AccessBasis.GRANT)
    client.force_login(patient_user)
    assert client.get("/portal/access-log/").status_code == 200  # verifies the chain
    raise_alarms([], log_wide=["a checkpoint was removed"])
    figure = _figure(_home(client, patient_user), "Your access log")
    assert figure.startswith("A problem was found Your log could not be verified")
