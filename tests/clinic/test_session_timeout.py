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


# --- The idle warning (static/js/session.js; in Chromium: tests/browser/test_idle_warning.py) ---


def test_pages_carry_the_idle_warning_with_the_persons_limit(client, patient_user, front_desk):
    client.force_login(patient_user)
    page = client.get("/portal/").content.decode()
    assert 'data-idle-seconds="1800" data-warning-seconds="120" hidden' in page
    assert "you will be signed out in 2 minutes" in page
    assert '<script src="/static/js/session.js"></script>' in page
    client.force_login(front_desk)
    assert 'data-idle-seconds="900"' in client.get("/staff/").content.decode()


def test_signed_out_pages_have_no_idle_warning(client, db):
    assert "idle-warning" not in client.get("/accounts/login/").content.decode()


def test_stay_signed_in_restarts_the_idle_clock(client, patient_user):
    client.force_login(patient_user)
    age_session(client, idle_minutes=28)
    response = client.post("/session/stay-signed-in/", HTTP_X_REQUESTED_WITH="rapport-session")
    assert response.status_code == 204
    assert time.time() - client.session[LAST_SEEN_KEY] < 5
    assert client.get("/portal/").status_code == 200


def test_stay_signed_in_does_not_extend_the_12_hour_limit(client, patient_user):
    client.force_login(patient_user)
    age_session(client, idle_minutes=1, signed_in_hours=13)
    response = client.post("/session/stay-signed-in/")
    assert_signed_out_with_message(client, response, "signed in for 12 hours")


def test_without_javascript_stay_signed_in_comes_back_to_the_page(client, patient_user):
    client.force_login(patient_user)
    response = client.post("/session/stay-signed-in/", {"next": "/portal/sharing/"})
    assert response.status_code == 302
    assert response["Location"] == "/portal/sharing/"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_stay_signed_in_never_sends_people_off_site(client, patient_user, next_url):
    client.force_login(patient_user)
    response = client.post("/session/stay-signed-in/", {"next": next_url})
    assert response["Location"] == "/"


def test_stay_signed_in_needs_a_signed_in_post(client, patient_user):
    response = client.post("/session/stay-signed-in/")
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(patient_user)
    assert client.get("/session/stay-signed-in/").status_code == 405
