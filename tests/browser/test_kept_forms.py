"""In Chromium: a concern typed when the idle sign-out comes is kept and comes back after signing
in again, unsent (issue 15; static/js/session.js and keptforms/)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from clinic.middleware import LAST_SEEN_KEY
from tests.factories import DEFAULT_PASSWORD, PatientUserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WORRY = "Someone I know from work looked at my notes."


def fill_sign_in(page, user):
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Password").press("Enter")


def test_a_concern_typed_when_time_runs_out_comes_back_after_signing_in(page, live_server):
    from clinic.models import Session
    from clinic.sessions import SessionStore
    from feedback.models import Grievance

    user = PatientUserFactory(email="maria@example.org")
    page.clock.install()
    page.goto("/accounts/login/")
    fill_sign_in(page, user)
    page.wait_for_url(f"{live_server.url}/portal/")
    page.goto("/portal/feedback/concern/")
    page.get_by_label("Tell us what worries you").fill(WORRY)

    # Thirty idle minutes pass on the server too; then the page's timer runs out.
    store = SessionStore(session_key=Session.objects.get().session_key)
    store[LAST_SEEN_KEY] = time.time() - 31 * 60
    store.save()
    page.clock.run_for("28:01")
    warning = page.get_by_role("alertdialog", name="Are you still there?")
    expect(warning).to_be_visible()
    expect(
        warning.get_by_text("What you have typed into this page's form will be kept")
    ).to_be_visible()
    page.clock.run_for("02:05")
    page.wait_for_url(f"{live_server.url}/accounts/login/**")
    expect(page.get_by_text("You were signed out for your safety")).to_be_visible()
    expect(page.get_by_text("We kept what you typed. Sign in again")).to_be_visible()
    assert not Grievance.objects.exists()

    fill_sign_in(page, user)
    page.wait_for_url(f"{live_server.url}/portal/feedback/concern/")
    expect(page.get_by_text("We kept what you typed. Check it and send it again.")).to_be_visible()
    expect(page.get_by_label("Tell us what worries you")).to_have_value(WORRY)
    assert not Grievance.objects.exists()


def test_an_untouched_page_still_just_signs_out(page, live_server):
    from clinic.models import Session
    from clinic.sessions import SessionStore
    from keptforms.models import KeptForm

    user = PatientUserFactory(email="maria@example.org")
    page.clock.install()
    page.goto("/accounts/login/")
    fill_sign_in(page, user)
    page.wait_for_url(f"{live_server.url}/portal/")
    page.goto("/portal/feedback/concern/")
    store = SessionStore(session_key=Session.objects.get().session_key)
    store[LAST_SEEN_KEY] = time.time() - 31 * 60
    store.save()
    page.clock.run_for("28:01")
    warning = page.get_by_role("alertdialog", name="Are you still there?")
    expect(warning).to_be_visible()
    expect(warning.get_by_text("What you have typed into this page's form")).to_be_hidden()
    page.clock.run_for("02:05")
    page.wait_for_url(f"{live_server.url}/accounts/login/**")
    expect(page.get_by_text("You were signed out for your safety")).to_be_visible()
    expect(page.get_by_text("We kept what you typed")).to_have_count(0)
    assert not KeptForm.objects.exists()
