"""/portal/export/summary/: the same data as the bundle, as a page to read, print or save."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accesslog.models import AccessEvent
from clinic.models import Role
from exports.fhir import DICOM
from patients.models import ChecklistItem, PortalStep
from tests.exports.conftest import access_log_events, export, resources_of
from tests.factories import RecordEntryFactory, StaffFactory
from tests.support.record import THOMAS_BODY, THOMAS_TITLE

ENTRY_TYPES = {
    "Observation",
    "MedicationStatement",
    "AllergyIntolerance",
    "Immunization",
    "DocumentReference",
}


def counts_on(page: str) -> dict[str, int]:
    return {name: int(value) for name, value in re.findall(r'data-count="(\w+)">(\d+)<', page)}


def summary_page(client, world) -> str:
    client.force_login(world.patient_user)
    response = client.get("/portal/export/summary/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return response.content.decode()


def test_the_summary_shows_the_same_counts_as_the_bundle(client, world):
    counts = counts_on(summary_page(client, world))
    bundle = export(client)
    emergencies = [
        r
        for r in resources_of(bundle, "AuditEvent")
        if r.get("subtype", [{}])[0].get("system") == DICOM and r["subtype"][0]["code"] == "110127"
    ]
    assert counts["entries"] == len(
        [r for r in resources_of(bundle) if r["resourceType"] in ENTRY_TYPES]
    )
    assert counts["consents"] == len(resources_of(bundle, "Consent"))
    assert counts["emergencies"] == len(emergencies) == 1
    # The bundle, made after the summary, also holds its own export event.
    assert counts["events"] == len(access_log_events(bundle)) - 1
    assert counts["events"] == AccessEvent.objects.filter(patient=world.patient).count() - 1


def test_the_summary_reads_as_the_record_sharing_and_log(client, world):
    page = summary_page(client, world)
    assert "Maria Santos" in page and world.patient.mrn in page
    for title in ("Cholesterol panel", "Counselling session", "Penicillin allergy"):
        assert title in page
    assert "LDL cholesterol 3.1 mmol/L" in page  # the entries' text too
    for grant in world.grants.values():
        assert grant.describe().replace("'", "&#x27;") in page
    assert "Given in person" in page
    assert "Dr E. Mergency opened your record in an emergency" in page
    assert "Review: Appropriate" in page
    assert "Declined" in page and "Waiting for the patient" in page
    # The log by person and month: Dr Rivera's reads of Maria's record this month.
    table = page[page.index('id="log"') :]
    assert world.physician.display_name in table and "Dr E. Mergency" in table
    assert THOMAS_TITLE not in page and THOMAS_BODY not in page
    assert world.other_patient.legal_name not in page


def test_the_summary_is_logged_as_one_read_of_the_full_record_by_the_patient(client, world):
    before = AccessEvent.objects.filter(patient=world.patient).count()
    summary_page(client, world)
    assert AccessEvent.objects.filter(patient=world.patient).count() == before + 1
    event = AccessEvent.objects.filter(patient=world.patient).order_by("-sequence").first()
    assert (event.actor, event.basis, event.action, event.target) == (
        world.patient_user,
        "self",
        "view",
        "export",
    )
    assert PortalStep.objects.filter(patient=world.patient, item=ChecklistItem.EXPORT).exists()


def test_hostile_text_is_shown_as_text(client, world):
    RecordEntryFactory(
        patient=world.patient,
        author=world.physician,
        title='<script>alert("title")</script>',
        body='<img src=x onerror="alert(1)">',
    )
    page = summary_page(client, world)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in page


def test_print_styles_are_linked(client, world):
    page = summary_page(client, world)
    assert "css/export.css" in page
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static/css/export.css").read_text()
    assert "@media print" in css


def test_the_query_count_does_not_grow_with_the_data(client, world, django_assert_max_num_queries):
    summary_page(client, world)  # the first-step note, once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/portal/export/summary/").status_code == 200
        return len(captured)

    small = queries()
    for _ in range(20):
        RecordEntryFactory(patient=world.patient, author=world.physician)
    for _ in range(20):
        client.get("/portal/records/")
    assert queries() == small
    with django_assert_max_num_queries(25):
        client.get("/portal/export/summary/")


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get("/portal/export/summary/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "role", [Role.PHYSICIAN, Role.FRONT_DESK, Role.PRIVACY_OFFICER, Role.ADMIN]
)
def test_staff_get_no_summary(client, world, role):
    staff = world.physician if role == Role.PHYSICIAN else StaffFactory(role=role)
    before = AccessEvent.objects.count()
    client.force_login(staff)
    assert client.get("/portal/export/summary/").status_code == 403
    assert AccessEvent.objects.count() == before


def test_an_empty_record_has_a_summary_too(client, other_patient_user):
    client.force_login(other_patient_user)
    page = client.get("/portal/export/summary/").content.decode()
    assert "You have not shared your record with anyone." in page
    assert counts_on(page)["entries"] == 0
    assert counts_on(page)["events"] == 1  # opening this page
