"""/activate/: code and date of birth, then email and password; allauth verifies the email."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from clinic.models import Role, User
from patients import services
from patients.activation_views import SESSION_KEY
from patients.codes import format_activation_code, hash_activation_code
from patients.models import ActivationCode, CodeStatus, VisitStatus
from patients.ratelimit import ACTIVATION_IP_FAILURES
from tests.factories import PatientUserFactory
from tests.factories.onboarding import (
    OnboardingVisitFactory,
    completed,
    identity_verified,
    issue_code,
    ready_to_activate,
)

DOB = date(1957, 11, 2)
PASSPHRASE = "tea at the old harbour lighthouse"
GENERIC = "The activation code and date of birth do not match our records."


@pytest.fixture
def ready(db):
    visit, plain = ready_to_activate(legal_name="Thomas Whitfield", date_of_birth=DOB)
    return visit, plain


def enter_code(client, code, dob=DOB):
    return client.post("/activate/", {"code": code, "date_of_birth": dob.isoformat()})


def choose_account(client, email="tom@example.org", password=PASSPHRASE, password2=None):
    return client.post(
        "/activate/account/",
        {
            "email": email,
            "password1": password,
            "password2": password if password2 is None else password2,
        },
    )


def confirm_email_and_sign_in(client, email, password):
    link = re.search(
        re.escape(settings.PORTAL_BASE_URL.rstrip("/")) + r"(/accounts/confirm-email/[^/\s]+/)",
        mail.outbox[-1].body,
    )
    assert link, mail.outbox[-1].body
    assert client.get(link.group(1)).status_code == 200
    client.post(link.group(1))
    return client.post("/accounts/login/", {"login": email, "password": password})


def code_row(plain) -> ActivationCode:
    return ActivationCode.objects.get(code_hash=hash_activation_code(plain))


def test_activation_creates_an_account_linked_to_the_patient_and_spends_the_code(client, ready):
    visit, plain = ready
    typed = format_activation_code(plain).lower().replace("-", " ")
    response = enter_code(client, typed)
    assert response.status_code == 302 and response["Location"] == "/activate/account/"
    page = client.get("/activate/account/").content.decode()
    assert "Welcome, Thomas Whitfield" in page
    response = choose_account(client, email="Tom@Example.org")
    assert response["Location"] == "/activate/done/"

    user = User.objects.get(email="tom@example.org")
    visit.patient.refresh_from_db()
    assert visit.patient.user == user
    assert user.role == Role.PATIENT
    assert user.groups.filter(name=Role.PATIENT).exists()
    assert not user.is_staff and user.check_password(PASSPHRASE)
    assert EmailAddress.objects.get(user=user).verified is False
    code = code_row(plain)
    assert code.status == CodeStatus.SPENT and code.account == user
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["tom@example.org"]
    assert SESSION_KEY not in client.session
    assert "Check your email" in client.get("/activate/done/").content.decode()


def test_the_email_must_be_verified_before_the_first_sign_in(client, ready):
    _, plain = ready
    enter_code(client, plain)
    choose_account(client)
    response = client.post("/accounts/login/", {"login": "tom@example.org", "password": PASSPHRASE})
    assert "_auth_user_id" not in client.session
    response = confirm_email_and_sign_in(client, "tom@example.org", PASSPHRASE)
    assert response.status_code == 302
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/portal/"
    assert "Your first steps" in response.content.decode()


def test_wrong_code_and_wrong_date_of_birth_get_the_same_generic_message(client, ready):
    _, plain = ready
    wrong_code = enter_code(client, "ABCD-EFGH-JKMN")
    wrong_dob = enter_code(client, plain, DOB + timedelta(days=1))

    def errors(response):
        return response.context["form"].errors

    assert (
        errors(wrong_code) == errors(wrong_dob) == {"__all__": [errors(wrong_code)["__all__"][0]]}
    )
    assert GENERIC in errors(wrong_code)["__all__"][0]
    for response in (wrong_code, wrong_dob):
        page = response.content.decode()
        assert "date of birth is wrong" not in page and "code is wrong" not in page
        assert 'class="field field-error' not in page  # neither field is singled out


def test_five_wrong_dates_of_birth_lock_the_code(client, ready):
    _, plain = ready
    for _ in range(5):
        response = enter_code(client, plain, date(1960, 1, 1))
        assert GENERIC in response.content.decode()
    code = code_row(plain)
    assert code.failed_attempts == 5 and code.locked_at is not None
    cache.clear()  # the lock is on the code's row, not in the cache
    response = enter_code(client, plain, DOB)
    page = response.content.decode()
    assert "locked" in page and "Contact the clinic" in page
    assert SESSION_KEY not in client.session


def test_the_front_desk_can_reissue_a_locked_code(client, ready):
    visit, plain = ready
    for _ in range(5):
        enter_code(client, plain, date(1960, 1, 1))
    new_plain = issue_code(visit)
    assert enter_code(client, new_plain)["Location"] == "/activate/account/"


def test_too_many_failures_from_one_address_are_refused(client, ready):
    _, plain = ready
    for _ in range(ACTIVATION_IP_FAILURES):
        enter_code(client, "ABCD-EFGH-JKMN")
    response = enter_code(client, plain)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    other_address = client.post(
        "/activate/",
        {"code": plain, "date_of_birth": DOB.isoformat()},
        REMOTE_ADDR="192.0.2.44",
    )
    assert other_address.status_code == 302


def _expire(code):
    code.expires_at = timezone.now() - timedelta(minutes=1)
    code.save()


def _lock(code):
    code.locked_at = timezone.now()
    code.save()


def _void(code):
    code.voided_at = timezone.now()
    code.save()


def _spend(code):
    code.spent_at = timezone.now()
    code.save()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (_expire, "has expired"),
        (_spend, "already been used"),
        (_void, "replaced by a newer one"),
        (_lock, "is locked"),
    ],
)
def test_unusable_codes_say_why_and_to_contact_the_clinic(client, ready, settings, change, says):
    _, plain = ready
    change(code_row(plain))
    page = enter_code(client, plain).content.decode()
    assert says in page
    assert "contact the clinic" in page.lower() or "Contact the clinic" in page
    assert settings.CLINIC_PHONE in page


def test_a_code_works_once(client, ready):
    _, plain = ready
    enter_code(client, plain)
    choose_account(client)
    other = client.__class__()
    page = enter_code(other, plain).content.decode()
    assert "already been used" in page
    assert User.objects.filter(patient__isnull=False).count() == 1


def test_the_account_form_cannot_be_sent_twice(client, ready):
    _, plain = ready
    enter_code(client, plain)
    first = choose_account(client)
    second = choose_account(client, email="someone-else@example.org")
    assert first["Location"] == "/activate/done/"
    assert second["Location"] == "/activate/"
    assert not User.objects.filter(email="someone-else@example.org").exists()


def test_the_account_step_needs_the_code_step(client, ready):
    response = client.get("/activate/account/")
    assert response["Location"] == "/activate/"
    assert choose_account(client)["Location"] == "/activate/"
    assert not User.objects.filter(email="tom@example.org").exists()


def test_the_account_step_expires_after_thirty_minutes(client, ready):
    _, plain = ready
    enter_code(client, plain)
    session = client.session
    session[SESSION_KEY] = {**session[SESSION_KEY], "at": time.time() - 31 * 60}
    session.save()
    assert choose_account(client)["Location"] == "/activate/"
    assert code_row(plain).status == CodeStatus.USABLE


def test_the_session_key_changes_after_the_code_check(client, ready):
    _, plain = ready
    client.get("/activate/")
    client.session.save()
    before = client.session.session_key
    enter_code(client, plain)
    assert client.session.session_key != before


def test_no_activation_until_the_visit_is_completed(client, db):
    visit = identity_verified(
        OnboardingVisitFactory(patient__legal_name="Amina Yusuf", patient__date_of_birth=DOB)
    )
    plain = issue_code(visit)
    response = enter_code(client, plain)
    assert "not complete yet" in response.content.decode()
    assert SESSION_KEY not in client.session
    # Even with a forged session pointing at the code, the account step refuses.
    session = client.session
    session[SESSION_KEY] = {"code": code_row(plain).pk, "at": time.time()}
    session.save()
    assert choose_account(client)["Location"] == "/activate/"
    with pytest.raises(services.ValidationError):
        services.activate_account(
            activation_code=code_row(plain), email="amina@example.org", password=PASSPHRASE
        )
    assert visit.patient.__class__.objects.get(pk=visit.patient.pk).user is None
    completed(visit)
    assert enter_code(client, plain)["Location"] == "/activate/account/"


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("short pass 123", "at least 15 characters"),
        ("1q2w3e4r5t6y7u8i9o0p", "too common"),
        ("tom@example.org!!", "too similar"),
        ("thomaswhitfield1", "too similar"),
        ("x" * 1025, "too long"),
    ],
)
def test_password_rules_come_from_the_validators(client, ready, password, says):
    _, plain = ready
    enter_code(client, plain)
    response = choose_account(client, password=password)
    assert response.status_code == 200
    assert says in response.content.decode()
    assert not User.objects.filter(email="tom@example.org").exists()


def test_passwords_must_match(client, ready):
    _, plain = ready
    enter_code(client, plain)
    response = choose_account(client, password2=PASSPHRASE + " ")
    assert "The two passwords are not the same" in response.content.decode()


def test_a_long_passphrase_is_accepted_untruncated(client, ready):
    _, plain = ready
    passphrase = " " + ("the quick brown fox jumps over the lazy dog " * 3)[:126] + " "
    assert len(passphrase) == 128
    enter_code(client, plain)
    assert choose_account(client, password=passphrase)["Location"] == "/activate/done/"
    user = User.objects.get(email="tom@example.org")
    assert user.check_password(passphrase)
    assert not user.check_password(passphrase.strip())
    assert not user.check_password(passphrase[:72])
    response = confirm_email_and_sign_in(client, "tom@example.org", passphrase)
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_an_email_address_already_in_use_is_refused(client, ready):
    PatientUserFactory(email="taken@example.org")
    _, plain = ready
    enter_code(client, plain)
    response = choose_account(client, email="TAKEN@example.org")
    assert "cannot be used for a new account" in response.content.decode()
    assert code_row(plain).status == CodeStatus.USABLE


def test_a_date_of_birth_in_the_future_is_refused(client, ready):
    _, plain = ready
    response = enter_code(client, plain, timezone.localdate() + timedelta(days=2))
    assert "cannot be in the future" in response.content.decode()
    assert code_row(plain).failed_attempts == 0


def test_signed_in_people_do_not_activate(client, patient_user):
    client.force_login(patient_user)
    assert client.get("/activate/")["Location"] == "/"


def test_the_sign_in_page_links_to_activation(client, db):
    assert 'href="/activate/"' in client.get("/accounts/login/").content.decode()


def test_the_code_is_rechecked_when_the_account_is_created(client, ready):
    visit, plain = ready
    enter_code(client, plain)
    # The code is voided between the two steps (the front desk reissued it).
    issue_code(visit)
    assert choose_account(client)["Location"] == "/activate/"
    visit.refresh_from_db()
    assert visit.status == VisitStatus.COMPLETED
    assert not User.objects.filter(email="tom@example.org").exists()
