"""The front desk's day and visit pages, the printed handout, and activation, in Chromium, with
axe-core checks of every page."""

from __future__ import annotations

import re
from datetime import date, datetime, time

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.utils import timezone
from playwright.sync_api import expect

from clinic.models import Role
from patients.codes import format_activation_code
from patients.models import ActivationCode, VisitStatus
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, StaffFactory, add_totp
from tests.factories.onboarding import OnboardingVisitFactory, ready_to_activate

pytestmark = pytest.mark.django_db(transaction=True)

DOB = date(1957, 11, 2)


def sign_in_as_front_desk(page, live_server):
    staff = StaffFactory(
        role=Role.FRONT_DESK, display_name="Sam Okafor", email="sam@clinic.example", mfa=False
    )
    secret = add_totp(staff)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/accounts/2fa/authenticate/")
    counter = next(iter(yield_hotp_counters_from_time()))
    page.locator("input[name=code]").fill(format_hotp_value(hotp_value(secret, counter)))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(f"{live_server.url}/staff/")
    return staff


def test_front_desk_runs_todays_visit_and_prints_the_handout(page, live_server):
    staff = sign_in_as_front_desk(page, live_server)
    today_8am = timezone.make_aware(datetime.combine(timezone.localdate(), time(8, 0)))
    visit = OnboardingVisitFactory(
        staff_member=staff,
        starts_at=today_8am,
        patient__legal_name="Thomas Whitfield",
        patient__preferred_name="Tom",
    )

    page.get_by_role("link", name="Onboarding", exact=True).click()
    page.wait_for_url(f"{live_server.url}/staff/onboarding/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Onboarding visits today")
    row = page.get_by_role("row").filter(has_text="Tom (Thomas Whitfield)")
    expect(row).to_contain_text("08:00–08:30")
    expect(row).to_contain_text("Scheduled")
    assert_accessible(page)

    row.get_by_role("link", name="Tom (Thomas Whitfield)").click()
    page.wait_for_url(f"{live_server.url}/staff/onboarding/visits/{visit.pk}/")
    assert_accessible(page)
    page.get_by_role("button", name="Check in Tom").click()
    expect(page.get_by_text("Checked in.")).to_be_visible()

    # Submitting without confirming the match shows the error summary and the field error.
    page.get_by_label("Passport").check()
    page.get_by_role("button", name="Record the identity check").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the following")
    assert_accessible(page)
    page.get_by_label("Passport").check()
    page.get_by_label("The photo shows this person").check()
    page.get_by_role("button", name="Record the identity check").click()
    expect(page.get_by_text("Identity check recorded.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Issue the code and print the handout").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your portal activation code")
    code = page.locator(".activation-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    expect(page.get_by_text("/activate/").first).to_be_visible()
    assert_accessible(page)

    # On paper: the code and the instructions, none of the staff screen around them.
    page.emulate_media(media="print")
    expect(page.locator(".activation-code")).to_be_visible()
    expect(page.get_by_role("heading", name="How we protect your data")).to_be_visible()
    expect(page.get_by_role("button", name="Print the handout")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Back to the visit").click()
    # The checklist saves each tick without reloading the page (the marker would be gone).
    page.evaluate("window.sameDocument = true")
    for label in (
        "Signing in and two-step verification",
        "Sharing settings: who can see what",
        "The access log and notifications",
        "The education library",
        "Feedback and concerns",
        "Downloading your data",
    ):
        page.get_by_role("button", name=f"Explained: {label}").click()
        expect(page.get_by_role("status")).to_have_text(f"{label}: shown and explained, saved.")
        expect(page.get_by_role("row").filter(has_text=label)).to_contain_text(
            "Shown and explained"
        )
    assert page.evaluate("window.sameDocument === true")
    expect(page.locator("#completion-missing")).to_have_text("Everything is recorded.")
    assert_accessible(page)
    page.get_by_role("button", name="Complete the visit").click()
    expect(page.get_by_text("The visit is complete.")).to_be_visible()
    assert_accessible(page)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.COMPLETED
    assert ActivationCode.objects.get().status == "usable"


def test_patient_activates_their_account(page, live_server):
    _, plain = ready_to_activate(
        legal_name="Thomas Whitfield", preferred_name="Tom", date_of_birth=DOB
    )

    page.goto("/accounts/login/")
    page.get_by_role("link", name="activate your account").click()
    page.wait_for_url(f"{live_server.url}/activate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Activate your portal account")
    assert_accessible(page)

    page.get_by_label("Activation code").fill("ABCD-EFGH-JKMN")
    page.get_by_label("Your date of birth").fill(DOB.isoformat())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match our records")
    assert_accessible(page)

    page.get_by_label("Activation code").fill(format_activation_code(plain).lower())
    page.get_by_label("Your date of birth").fill(DOB.isoformat())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/activate/account/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Tom")
    assert_accessible(page)

    passphrase = "walking the dog along the canal at dawn"
    page.get_by_label("Your email address").fill("tom@example.org")
    page.get_by_label("Choose a password").fill(passphrase)
    page.get_by_label("Type the password again").fill(passphrase)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(f"{live_server.url}/activate/done/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)
