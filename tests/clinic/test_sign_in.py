"""Signing in and out with allauth: passwords, verification, rate limits, two-step codes."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from clinic.models import Role
from tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory, add_totp

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def current_code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


def sign_in(client, email, password=DEFAULT_PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


def test_patient_signs_in_and_lands_on_portal(client, patient_user):
    response = sign_in(client, patient_user.email)
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    assert "Hello, Maria Santos" in response.content.decode()


def test_sign_out_ends_the_session(client, patient_user):
    sign_in(client, patient_user.email)
    assert client.get("/portal/").status_code == 200
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_sign_in_page_offers_no_public_signup(client, db):
    page = client.get(LOGIN).content.decode()
    assert "/accounts/signup/" not in page
    response = client.post(
        "/accounts/signup/",
        {
            "email": "stranger@example.org",
            "password1": "a long enough passphrase here",
            "password2": "a long enough passphrase here",
        },
    )
    assert "Accounts are made at the clinic" in response.content.decode()
    from clinic.models import User

    assert not User.objects.filter(email="stranger@example.org").exists()


def test_wrong_password_is_refused_with_a_message(client, patient_user):
    response = sign_in(client, patient_user.email, "not the right password at all")
    assert response.status_code == 200
    assert "That email address and password do not match an account." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_are_rate_limited_even_with_the_right_password(client, patient_user):
    for _ in range(5):
        sign_in(client, patient_user.email, "wrong password attempt number x")
    response = sign_in(client, patient_user.email)
    assert response.status_code in (200, 429)
    assert "Too many tries to sign in to this account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unverified_email_cannot_sign_in(client, db):
    user = UserFactory(verified=False)
    response = sign_in(client, user.email)
    assert "_auth_user_id" not in client.session
    follow = client.get(response["Location"]) if response.status_code == 302 else response
    assert "Check your email" in follow.content.decode()
    assert len(mail.outbox) == 1
    assert "confirm" in mail.outbox[0].subject.lower()


def test_staff_sign_in_needs_the_two_step_code(client, db):
    staff = StaffFactory(role=Role.FRONT_DESK, mfa=False)
    secret = add_totp(staff)
    response = sign_in(client, staff.email)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert "_auth_user_id" not in client.session

    response = client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_session_key_rotates_at_sign_in(client, patient_user):
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    sign_in(client, patient_user.email)
    assert client.session.session_key != before


def test_password_change_ends_other_sessions(client, patient_user):
    from django.test import Client

    other_device = Client()
    other_device.force_login(patient_user)
    assert other_device.get("/portal/").status_code == 200

    client.force_login(patient_user)
    new_password = "a completely new passphrase for maria"
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": DEFAULT_PASSWORD, "password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    assert client.get("/portal/").status_code == 200  # this device stays signed in
    response = other_device.get("/portal/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
