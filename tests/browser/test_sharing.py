from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clinic.models import Role
from consent.models import ConsentGrant
from patients.models import RecordCategory
from tests.browser.axe import assert_accessible
from tests.factories import DEFAULT_PASSWORD, PatientUserFactory, RecordEntryFactory, StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_patient_shares_with_a_physician_and_stops_sharing(page, live_server):
    user = PatientUserFactory(email="maria@example.org", patient__legal_name="Maria Santos")
    physician = StaffFactory(role=Role.PHYSICIAN, display_name="Dr A. Rivera")
    RecordEntryFactory(
        patient=user.patient,
        author=physician,
        category=RecordCategory.LAB_RESULT,
        title="Cholesterol panel",
    )
    last_day = timezone.localdate() + dt.timedelta(days=90)

    # Sign in with the real form (patients have no second step).
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{live_server.url}/portal/")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sharing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who can see your record")
    expect(page.get_by_text("You are not sharing your record with anyone.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Share your record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Share your record")
    assert_accessible(page)

    # Sending the empty form shows the errors, summarised and next to the fields.
    page.get_by_role("button", name="Share").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Please correct the following")
    expect(page.get_by_role("alert")).to_contain_text("Share with")
    assert_accessible(page)

    # Fill the form with the keyboard.
    page.get_by_label("Share with").select_option(label="Dr A. Rivera")
    page.get_by_label("One category").focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("One category")).to_be_checked()
    page.get_by_label("Which category").select_option(label="Lab result")
    page.get_by_label("Until (optional)").fill(last_day.isoformat())
    page.get_by_label("Treatment").focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("Treatment")).to_be_checked()
    page.get_by_role("button", name="Share").focus()
    page.keyboard.press("Enter")

    page.wait_for_url(f"{live_server.url}/portal/sharing/")
    sentence = f"Dr A. Rivera can see your lab results for treatment until {last_day:%-d %B %Y}"
    current = page.locator("section", has=page.get_by_role("heading", name="Sharing now"))
    expect(current).to_contain_text(sentence)
    expect(page.get_by_role("status").or_(page.locator(".messages"))).to_contain_text("Done.")
    given = ConsentGrant.objects.get()
    assert (given.grantee_user, given.category) == (physician, "lab_result")

    # Stop sharing.
    page.get_by_role("link", name="Stop sharing with Dr A. Rivera").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stop sharing with Dr A. Rivera")
    assert_accessible(page)
    page.get_by_label("Why are you stopping? (optional)").fill("I changed doctor.")
    page.get_by_role("button", name="Stop sharing").focus()
    page.keyboard.press("Enter")

    page.wait_for_url(f"{live_server.url}/portal/sharing/")
    expect(page.get_by_text("You stopped sharing with Dr A. Rivera.")).to_be_visible()
    expect(page.get_by_text("You are not sharing your record with anyone.")).to_be_visible()
    history = page.locator("section", has=page.get_by_role("heading", name="History"))
    expect(history).to_contain_text(
        "Dr A. Rivera could see your lab results for treatment until you stopped sharing on "
        f"{timezone.localdate():%-d %B %Y}"
    )
    expect(history).to_contain_text("Your reason: I changed doctor.")
    assert_accessible(page)
    given.refresh_from_db()
    assert given.revoked_at is not None
