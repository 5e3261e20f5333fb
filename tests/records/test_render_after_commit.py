"""Record pages are rendered after the read's transaction has committed: the access event is
durable before any content leaves, and no write transaction (SQLite's write lock) is held while
a template renders."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.signals import template_rendered

from accesslog.models import AccessEvent
from tests.factories import RecordEntryFactory, grant


@pytest.fixture
def renders():
    seen: list[tuple[str, bool, int]] = []

    def note(sender, template, context, **kwargs):
        seen.append((template.name, connection.in_atomic_block, AccessEvent.objects.count()))

    template_rendered.connect(note)
    yield seen
    template_rendered.disconnect(note)


@pytest.mark.django_db(transaction=True)
def test_physicians_entry_page_renders_after_the_event_is_committed(
    client, patient, physician, renders
):
    entry = RecordEntryFactory(patient=patient, title="Blood pressure review")
    grant(patient, physician)
    client.force_login(physician)
    response = client.get(f"/staff/patients/{patient.pk}/entries/{entry.pk}/")
    assert response.status_code == 200
    assert "Blood pressure review" in response.content.decode()
    page = [r for r in renders if r[0] == "records/staff_patient_entry.html"]
    assert page == [("records/staff_patient_entry.html", False, 1)]


@pytest.mark.django_db(transaction=True)
def test_patients_record_page_renders_after_the_event_is_committed(
    client, patient, patient_user, renders
):
    RecordEntryFactory(patient=patient, title="Flu vaccine")
    client.force_login(patient_user)
    response = client.get("/portal/records/")
    assert response.status_code == 200
    assert "Flu vaccine" in response.content.decode()
    page = [r for r in renders if r[0] == "records/portal_records.html"]
    assert page == [("records/portal_records.html", False, 1)]


@pytest.mark.django_db(transaction=True)
def test_a_denied_read_renders_nothing_and_logs_nothing(client, patient, physician, renders):
    entry = RecordEntryFactory(patient=patient)
    client.force_login(physician)
    response = client.get(f"/staff/patients/{patient.pk}/entries/{entry.pk}/")
    assert response.status_code == 404
    assert not [r for r in renders if r[0].startswith("records/")]
    assert AccessEvent.objects.count() == 0
