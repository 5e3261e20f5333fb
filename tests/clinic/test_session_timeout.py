"""Idle and absolute session limits sign people out with a clear reason."""

from __future__ import annotations

import time

import pytest

from clinic.middleware import LAST_SEEN_KEY, SIGNED_IN_AT_KEY


def age_session(client, *, idle_minutes: float = 0, signed_in_hours: float = 0) -> None:
    session = client.session
    now = time.time()
    session[LAST_SEEN_KEY] = now - idle_minutes * 60
    session[SIGNED_IN_AT_KEY] = now - max(signed_in_hours * 3600, idle_minutes * 60)
    session.save()


def assert_signed_out_with_message(client, response, phrase: str) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out for your safety" in page
    assert phrase in page
    assert "_auth_user_id" not in client.session


def test_staff_signed_out_after_15_idle_minutes(client, front_desk):
    client.force_login(front_desk)
    age_session(client, idle_minutes=16)
    response = client.get("/staff/")
    assert_signed_out_with_message(client, response, "after 15 minutes without activity")


def test_staff_stays_signed_in_within_15_minutes(client, front_desk):
    client.force_login(front_desk)
    age_session(client, idle_minutes=14)
    assert client.get("/staff/").status_code == 200


@pytest.mark.parametrize(("idle", "signed_in"), [(29, True), (31, False)])
def test_patient_idle_limit_is_30_minutes(client, patient_user, idle, signed_in):
    client.force_login(patient_user)
    age_session(client, idle_minutes=idle)
    response = client.get("/portal/")
    if signed_in:
        assert response.status_code == 200
    else:
        assert_signed_out_with_message(client, response, "after 30 minutes without activity")


def test_everyone_signed_out_after_12_hours(client, patient_user):
    client.force_login(patient_user)
    age_session(client, idle_minutes=1, signed_in_hours=12.1)
    response = client.get("/portal/")
    assert_signed_out_with_message(client, response, "signed in for 12 hours")


def test_activity_keeps_the_session_alive(client, patient_user):
    client.force_login(patient_user)
    age_session(client, idle_minutes=20)
    assert client.get("/portal/").status_code == 200
    assert time.time() - client.session[LAST_SEEN_KEY] < 5
