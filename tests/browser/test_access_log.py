"""The patient's access log in a real browser: who looked, the integrity line, filtering, the
"I don't recognise this" report, and axe-core on each page."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from clinic.models import Role
from consent.models import Scope
from feedback.models import Grievance
from patients.models import RecordCategory
from tests.browser.axe import assert_accessible
from tests.factories import (
    DEFAULT_PASSWORD,
    PatientUserFactory,
    RecordEntryFactory,
    StaffFactory,
    grant,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_patient_reads_filters_and_reports_a_look(page, live_server):
    user = PatientUserFactory(email="maria@example.org", patient__legal_name="Maria Santos")
    patient = user.patient
    rivera = StaffFactory(role=Role.PHYSICIAN, display_name="Dr A. Rivera")
    chen = StaffFactory(role=Role.PHYSICIAN, display_name="Dr M. Chen")
    entry = RecordEntryFactory(
        category=RecordCategory.LAB_RESULT,
        patient=patient,
        author=rivera,
        title="Cholesterol panel",
    )
    grant(patient, rivera, scope=Scope.RECORD)
    grant(patient, chen, scope=Scope.RECORD)
    # Dr Rivera looks twice in a row (one row of the log, grouped), then Dr Chen once.
    for physician in (rivera, rivera, chen):
        staff_client = Client()
        staff_client.force_login(physician)
        assert (
            staff_client.get(f"/staff/patients/{patient.pk}/entries/{entry.pk}/").status_code == 200
        )

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{live_server.url}/portal/")
    summary = page.get_by_role("region", name="Where you stand")
    expect(summary).to_contain_text("Who can see your record now 2 people, 0 teams")
    expect(summary).to_contain_text("Looks at your record this month 3 0 in an emergency.")
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Access log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who looked at your record")
    expect(page.get_by_role("status")).to_contain_text(
        "Your log is intact: every look up to the newest has been verified"
    )
    rows = page.locator("tbody > tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Dr M. Chen")
    expect(rows.nth(1)).to_contain_text("Dr A. Rivera")
    expect(rows.nth(1)).to_contain_text("Looked 2 times")
    expect(page.locator("main")).not_to_contain_text("Cholesterol panel")
    assert_accessible(page)
    # The group opens from the keyboard (a <details>, no script) and lists each look.
    looks = rows.nth(1).locator("li")
    expect(looks.first).to_be_hidden()
    rows.nth(1).locator("summary").focus()
    page.keyboard.press("Enter")
    expect(looks).to_have_count(2)
    expect(looks.first).to_be_visible()
    expect(looks.first).to_contain_text("(look 2)")
    assert_accessible(page)

    # Filter to one person with the keyboard.
    page.get_by_label("Person").select_option(label="Dr A. Rivera")
    page.get_by_role("button", name="Filter").focus()
    page.keyboard.press("Enter")
    expect(page.locator("tbody > tr")).to_have_count(1)
    expect(page.locator("tbody > tr")).to_contain_text("Dr A. Rivera")
    assert_accessible(page)

    # "I don't recognise this" opens a concern about that very look (the newest of the two).
    page.locator("tbody summary").focus()
    page.keyboard.press("Space")
    page.get_by_role("link", name="I don't recognise this look by Dr A. Rivera").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Raise a concern")
    expect(page.locator("main")).to_contain_text("Dr A. Rivera")
    assert_accessible(page)
    page.get_by_label("Tell us what worries you").fill("I have never been treated by Dr Rivera.")
    page.get_by_role("button", name="Send my concern").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your concern of")
    expect(page.locator("main")).to_contain_text("The look by Dr A. Rivera")
    assert_accessible(page)
    grievance = Grievance.objects.get()
    assert grievance.access_event.actor == rivera
    assert grievance.access_event.sequence == 2

    # Back on the log, the group says it holds a look with a concern open, and is open.
    page.goto("/portal/access-log/")
    group = page.locator("tbody > tr").nth(1)
    expect(group.locator("summary")).to_contain_text("1 with a concern open")
    expect(group.locator("li").first).to_be_visible()
    expect(group.locator("li").first).to_contain_text("Concern open")
    assert_accessible(page)
