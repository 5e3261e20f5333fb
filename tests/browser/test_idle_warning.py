"""The idle sign-out warning in Chromium, with the page's clock under the test's control."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from clinic.middleware import LAST_SEEN_KEY
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, PatientUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, user):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{live_server.url}/portal/")


def test_warning_two_minutes_before_idle_sign_out_and_stay_signed_in(page, live_server):
    from clinic.models import Session

    user = PatientUserFactory(email="maria@example.org")
    page.clock.install()
    sign_in(page, live_server, user)
    warning = page.get_by_role("alertdialog", name="Are you still there?")
    expect(warning).to_be_hidden()

    page.clock.run_for("27:00")  # 27 of the patient's 30 idle minutes: no warning yet
    expect(warning).to_be_hidden()
    page.clock.run_for("01:01")  # 28 minutes: two minutes left
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("you will be signed out in 2 minutes")
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    assert_accessible(page)

    before = time.time()
    page.keyboard.press("Enter")
    expect(warning).to_be_hidden()
    session = Session.objects.get().get_decoded()
    assert session[LAST_SEEN_KEY] >= before - 1  # the server's idle clock restarted
    expect(page).to_have_url(f"{live_server.url}/portal/")  # no reload, nothing lost

    page.clock.run_for("27:00")  # the page's timer restarted too
    expect(warning).to_be_hidden()
    page.clock.run_for("01:01")
    expect(warning).to_be_visible()


def test_when_time_is_up_the_page_signs_out_and_says_why(page, live_server):
    from clinic.models import Session
    from clinic.sessions import SessionStore

    user = PatientUserFactory(email="maria@example.org")
    page.clock.install()
    sign_in(page, live_server, user)
    # Thirty minutes pass on the server too.
    store = SessionStore(session_key=Session.objects.get().session_key)
    store[LAST_SEEN_KEY] = time.time() - 31 * 60
    store.save()
    page.clock.run_for("30:06")
    page.wait_for_url(f"{live_server.url}/accounts/login/**")
    expect(page.get_by_text("You were signed out for your safety")).to_be_visible()
