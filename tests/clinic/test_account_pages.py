"""One voice: every account page and email (allauth's) in the portal's layout and plain words,
with the clinic's name and links built from PORTAL_BASE_URL only."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail
from django.core.cache import cache

from clinic.models import Role
from tests.factories import DEFAULT_PASSWORD, StaffFactory, add_totp
from tests.factories.clinic import UserFactory

from .test_sign_in import current_code, sign_in

# The login library's own words and host names: none may reach a person.
LIBRARY_WORDING = [
    "Two-Factor",
    "two-factor",
    "Authenticator App",
    "Recovery Codes",
    "recovery codes",
    "Confirm Access",
    "reauthenticate",
    "Reauthenticate",
    "Hello from",
    "Thank you for using",
    "example.com",
    "testserver",
    "Bad Token",
    "Please Confirm Your Email Address",
    "Successfully signed in",
    "Primary",
]
PORTAL_BASE = "https://portal.clinic.example"


@pytest.fixture(autouse=True)
def _portal_settings(settings):
    settings.PORTAL_BASE_URL = PORTAL_BASE
    settings.CLINIC_NAME = "Riverside Clinic"
    settings.ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Riverside Clinic] "
    settings.CLINIC_PHONE = "+1 555 0199"
    cache.clear()
    yield
    cache.clear()


def assert_portal_voice(text: str) -> None:
    for phrase in LIBRARY_WORDING:
        assert phrase not in text, f"library wording {phrase!r} shown"


def visible_text(page: str) -> str:
    """What a person reads: the page without its tags (URLs such as /accounts/reauthenticate/
    are stable and not wording)."""
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)  # data for scripts, not words
    return re.sub(r"<[^>]+>", " ", page)


def assert_portal_page(response) -> str:
    assert response.status_code == 200
    page = response.content.decode()
    assert "Skip to main content" in page  # the portal's layout
    assert 'class="site-footer"' in page
    assert_portal_voice(visible_text(page))
    return page


ANONYMOUS_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/key/done/",
    "/accounts/password/reset/key/1-not-a-key/",
    "/accounts/confirm-email/",
    "/accounts/confirm-email/not-a-key/",
    "/accounts/inactive/",
]


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_anonymous_account_pages_speak_in_the_portals_words(client, db, url):
    assert_portal_page(client.get(url, follow=True))


def test_expired_reset_link_says_so_plainly(client, db):
    page = assert_portal_page(client.get("/accounts/password/reset/key/1-bad/", follow=True))
    assert "This link no longer works" in page


def test_closed_signup_explains_where_accounts_come_from(client, db):
    page = assert_portal_page(client.get("/accounts/signup/"))
    assert "Accounts are made at the clinic" in page
    assert "+1 555 0199" in page


PATIENT_PAGES = [
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
    "/accounts/2fa/webauthn/add/",
]


@pytest.mark.parametrize("url", PATIENT_PAGES)
def test_patient_account_pages_speak_in_the_portals_words(client, patient_user, url):
    sign_in(client, patient_user.email)
    assert_portal_page(client.get(url))


STAFF_PAGES = [
    "/accounts/2fa/",
    "/accounts/2fa/authenticate/",
    "/accounts/2fa/reauthenticate/",
    "/accounts/2fa/totp/deactivate/",
    "/accounts/2fa/recovery-codes/",
    "/accounts/2fa/recovery-codes/generate/",
    "/accounts/2fa/webauthn/",
]


@pytest.fixture
def signed_in_staff(client, db):
    staff = StaffFactory(role=Role.FRONT_DESK, mfa=False)
    secret = add_totp(staff)
    RecoveryCodes.activate(staff)
    sign_in(client, staff.email)
    client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    return staff


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_account_pages_speak_in_the_portals_words(client, signed_in_staff, url):
    assert_portal_page(client.get(url, follow=True))


def test_two_step_code_page_says_two_step_verification(client, db):
    staff = StaffFactory(role=Role.FRONT_DESK)
    sign_in(client, staff.email)
    page = assert_portal_page(client.get("/accounts/2fa/authenticate/"))
    assert "<h1>Two-step verification</h1>" in page
    assert "backup codes" in page


def test_security_page_explains_two_step_verification_and_backup_codes(client, signed_in_staff):
    page = assert_portal_page(client.get("/accounts/2fa/"))
    assert "Two-step verification is on" in page
    assert "Backup codes let you sign in if you lose your phone. Each code works once." in page


def test_backup_codes_page_lists_the_codes_and_says_what_they_are_for(client, signed_in_staff):
    page = assert_portal_page(client.get("/accounts/2fa/recovery-codes/"))
    codes = RecoveryCodes(
        Authenticator.objects.get(user=signed_in_staff, type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()
    assert codes and all(f"<code>{code}</code>" in page for code in codes)
    assert "If you lose your phone, you can sign in with one of these codes" in page
    assert "Print this page" in page


def test_downloaded_backup_codes_say_what_they_are(client, signed_in_staff):
    response = client.get("/accounts/2fa/recovery-codes/download/")
    text = response.content.decode()
    assert "Riverside Clinic: backup codes for two-step verification" in text
    assert "Each code works once." in text
    assert_portal_voice(text)


def test_setting_up_two_step_verification_right_after_sign_in_asks_no_password(
    client, patient_user
):
    sign_in(client, patient_user.email)
    response = client.get("/accounts/2fa/totp/activate/")
    page = assert_portal_page(response)
    assert "<h1>Set up two-step verification</h1>" in page
    assert "Riverside Clinic" in page


def test_the_password_is_asked_again_once_the_sign_in_is_older_than_five_minutes(
    client, patient_user
):
    import time as real_time

    sign_in(client, patient_user.email)
    later = real_time.time() + 6 * 60
    with (
        mock.patch("allauth.account.internal.flows.reauthentication.time.time", return_value=later),
        mock.patch("clinic.middleware.time.time", return_value=later),
    ):
        response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    page = assert_portal_page(client.get(response["Location"]))
    assert "<h1>Confirm it is you</h1>" in page


def test_a_session_without_a_typed_password_is_asked_for_it(client, patient_user):
    client.force_login(patient_user)  # no password typed in this session
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")


# --- Emails -------------------------------------------------------------------------------------


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


def assert_portal_email(message) -> str:
    assert message.subject.startswith("[Riverside Clinic] ")
    body = message.body
    assert body.startswith("Hello,")
    assert "Riverside Clinic" in body
    assert_portal_voice(message.subject + body)
    for link in links_in(body):
        assert link == PORTAL_BASE or link.startswith(PORTAL_BASE + "/"), link
    return body


def test_password_reset_email_links_to_the_portal_address_not_the_requests_host(
    client, patient_user
):
    client.post(
        "/accounts/password/reset/", {"email": patient_user.email}, HTTP_HOST="127.0.0.1:8812"
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[Riverside Clinic] Reset your password"
    body = assert_portal_email(message)
    assert "127.0.0.1" not in body
    assert f"{PORTAL_BASE}/accounts/password/reset/key/" in body
    # The link works.
    path = links_in(body)[0].removeprefix(PORTAL_BASE)
    assert client.get(path, follow=True).status_code == 200


def test_reset_request_for_an_unknown_address_offers_no_signup(client, db):
    client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert len(mail.outbox) == 1
    body = assert_portal_email(mail.outbox[0])
    assert "/accounts/signup/" not in body
    assert "activation code" in body
    assert "+1 555 0199" in body


def test_email_confirmation_email_is_in_the_portals_words(client, db):
    user = UserFactory(verified=False)
    sign_in(client, user.email)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[Riverside Clinic] Confirm your email address"
    body = assert_portal_email(message)
    assert f"{PORTAL_BASE}/accounts/confirm-email/" in body
    key_path = next(link for link in links_in(body) if "confirm-email" in link)
    page = assert_portal_page(client.get(key_path.removeprefix(PORTAL_BASE)))
    assert "Confirm my email address" in page


def test_password_change_email_says_what_changed_when_and_what_to_do(client, patient_user):
    sign_in(client, patient_user.email)
    new_password = "a completely new passphrase for maria"
    client.post(
        "/accounts/password/change/",
        {"oldpassword": DEFAULT_PASSWORD, "password1": new_password, "password2": new_password},
    )
    message = next(m for m in mail.outbox if "password" in m.subject.lower())
    assert message.subject == "[Riverside Clinic] Your password was changed"
    body = assert_portal_email(message)
    assert "If it was not you" in body
    assert "+1 555 0199" in body


def test_turning_on_two_step_verification_is_confirmed_by_email_in_plain_words(
    client, patient_user, django_capture_on_commit_callbacks
):
    sign_in(client, patient_user.email)
    client.get("/accounts/2fa/totp/activate/")
    secret = client.session["mfa.totp.secret"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert response.status_code == 302
    message = next(m for m in mail.outbox if "Two-step" in m.subject)
    assert message.subject == "[Riverside Clinic] Two-step verification is on"
    assert_portal_email(message)
    followed = assert_portal_page(client.get(response["Location"], follow=True))
    assert "<h1>Your backup codes</h1>" in followed  # and the codes are explained at once


def test_hostile_email_address_is_shown_escaped_on_the_email_page(client, patient_user):
    EmailAddress.objects.create(
        user=patient_user, email='x"><script>alert(1)</script>@example.org', verified=False
    )
    sign_in(client, patient_user.email)
    page = client.get("/accounts/email/").content.decode()
    assert "<script>alert(1)</script>" not in page
