from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, PatientUserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_patient_signs_in_with_the_keyboard_and_lands_on_the_portal(page, live_server):
    user = PatientUserFactory(email="maria@example.org", patient__legal_name="Maria Santos")

    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)

    # The skip link is the first thing a keyboard user reaches.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")

    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Password").press("Enter")

    page.wait_for_url(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Maria Santos")
    expect(page.get_by_role("heading", name="Your first steps")).to_be_visible()
    assert_accessible(page)


def test_sign_in_while_the_rate_limit_store_is_down_explains_itself(page, settings):
    from tests.support.redis import free_port

    user = PatientUserFactory(email="maria@example.org", patient__legal_name="Maria Santos")
    page.goto("/accounts/login/")
    settings.CACHES = {  # Redis, the rate limits' store, stops answering
        "default": {
            "BACKEND": "clinic.cache.GuardedRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Please try again in a minute")
    assert_accessible(page)
