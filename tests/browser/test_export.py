"""Taking a copy of one's data in a real browser: the FHIR download and the printable summary
(axe-core on the summary, on screen and in print)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle
from playwright.sync_api import expect

from clinic.models import Role
from consent.models import Scope
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


def test_patient_downloads_the_bundle_and_opens_the_summary(page, live_server, tmp_path):
    user = PatientUserFactory(email="maria@example.org", patient__legal_name="Maria Santos")
    patient = user.patient
    rivera = StaffFactory(role=Role.PHYSICIAN, display_name="Dr A. Rivera")
    entry = RecordEntryFactory(
        category=RecordCategory.LAB_RESULT,
        patient=patient,
        author=rivera,
        title="Cholesterol panel",
        body="LDL 3.1 mmol/L",
    )
    grant(patient, rivera, scope=Scope.RECORD)
    staff_client = Client()
    staff_client.force_login(rivera)
    assert staff_client.get(f"/staff/patients/{patient.pk}/entries/{entry.pk}/").status_code == 200

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{live_server.url}/portal/")

    section = page.get_by_role("region", name="Your data, yours to take")
    with page.expect_download() as download_info:
        section.get_by_role("link", name="Download your data as a FHIR file").click()
    download = download_info.value
    assert download.suggested_filename.startswith("rapport-record-")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    Bundle.model_validate(data)
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds.count("Observation") == 1 and kinds.count("Consent") == 1
    assert kinds.count("AuditEvent") == 2  # Dr Rivera's read, and this export

    page.goto("/portal/")
    expect(page.locator(".checklist")).to_contain_text("You did this on")
    page.get_by_role("link", name="Open a printable summary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Summary of your data")
    expect(page.locator("main")).to_contain_text("Cholesterol panel")
    expect(page.locator("main")).to_contain_text("Dr A. Rivera can see your whole record")
    expect(page.locator('[data-count="entries"]')).to_have_text("1")
    expect(page.locator('[data-count="events"]')).to_have_text("3")
    assert_accessible(page)

    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".no-print").first).to_be_hidden()
    expect(page.locator("main")).to_contain_text("Cholesterol panel")
    assert_accessible(page)
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF-")
