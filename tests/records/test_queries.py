"""Query counts stay flat as data grows: the same maximum at a small and a large size."""

from __future__ import annotations

import itertools

import pytest

from clinic.models import Role
from consent.models import Scope
from notifications.models import Notification
from patients.models import RecordCategory
from tests.factories import (
    CareTeamFactory,
    PatientFactory,
    RecordEntryFactory,
    StaffFactory,
    emergency_access,
    grant,
    pdf_upload,
    revoked_grant,
)

CATEGORIES = list(RecordCategory)

# The most queries each page may make, whatever the size (measured, then fixed here: a change
# that adds a query per row fails at the large size, one that adds a fixed query fails both).
# Each includes reading the session: sessions live in the database only (never in Redis).
PATIENT_LIST = 4  # the session with the user (role, MFA status), the list and its count, the badges
RECORD_VIEW = 15
# A physician's read of one entry: the session with the user, their role and MFA status (1,
# clinic/sessions.py); the grants in force with the patient (1); the entry with its derived
# permission (1); the chain head with the patient's recent notification about this reader, the
# head created on the first read (3); the event, its reader row and the new head (3 on SQLite, 1 on
# PostgreSQL); on the first read a new notification (1); the badges (1); and the test
# transaction's savepoint (2).
ENTRY_VIEW = 13
# The chain exists; the read is counted in the recent notification, on PostgreSQL in the append's
# statement, on SQLite by one more UPDATE (see tests/accesslog/test_notification_rides_with_append).
ENTRY_VIEW_AGAIN = 11
OWN_RECORD = 11
SHARING_PAGE = 11  # 4 once a session (noting the "sharing" first step); 1 for who acts for them


@pytest.fixture
def authors(db, site):
    return [
        StaffFactory(role=Role.PHYSICIAN, site=site, display_name=f"Dr Author {n}", mfa=False)
        for n in range(4)
    ]


@pytest.mark.parametrize("size", [3, 25])
def test_patient_list(client, physician, site, size, django_assert_max_num_queries):
    team = CareTeamFactory(members=[physician])
    for n in range(size):
        patient = PatientFactory(site=site, legal_name=f"Patient {n:02d}")
        if n % 3 == 0:
            grant(patient, team=team)
        elif n % 3 == 1:
            grant(patient, physician, scope=Scope.CATEGORY, category=RecordCategory.LAB_RESULT)
        else:
            emergency_access(physician, patient)
    client.force_login(physician)
    with django_assert_max_num_queries(PATIENT_LIST):
        response = client.get("/staff/patients/")
    assert response.status_code == 200
    page = response.content.decode()
    assert all(f"Patient {n:02d}" in page for n in range(size))


def _record(patient, authors, size: int) -> list:
    entries = []
    for n, author in zip(range(size), itertools.cycle(authors), strict=False):
        category = CATEGORIES[n % len(CATEGORIES)]
        entries.append(
            RecordEntryFactory(
                patient=patient,
                author=author,
                category=category,
                title=f"Entry {n:02d}",
                sensitive=n % 4 == 0,
                document=pdf_upload() if category == RecordCategory.DOCUMENT else None,
            )
        )
    return entries


def _grants(patient, physician, entries) -> None:
    """A whole-record grant, a category grant and a few entry grants (their descriptions read
    the entry)."""
    grant(patient, physician)
    grant(patient, physician, scope=Scope.CATEGORY, category=RecordCategory.MEDICATION)
    for entry in entries[: max(2, len(entries) // 10)]:
        grant(patient, physician, scope=Scope.ENTRY, entry=entry)


@pytest.mark.parametrize("size", [5, 60])
def test_record_view(client, patient, physician, authors, size, django_assert_max_num_queries):
    entries = _record(patient, authors, size)
    _grants(patient, physician, entries)
    client.force_login(physician)
    with django_assert_max_num_queries(RECORD_VIEW):
        response = client.get(f"/staff/patients/{patient.pk}/")
    assert response.status_code == 200
    assert "Entry 01" in response.content.decode()


@pytest.mark.parametrize("size", [5, 60])
def test_entry_view(client, patient, physician, authors, size, django_assert_max_num_queries):
    entries = _record(patient, authors, size)
    _grants(patient, physician, entries)
    client.force_login(physician)
    with django_assert_max_num_queries(ENTRY_VIEW):
        response = client.get(f"/staff/patients/{patient.pk}/entries/{entries[1].pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize("size", [5, 60])
def test_patients_own_record(
    client, patient, patient_user, authors, size, django_assert_max_num_queries
):
    _record(patient, authors, size)
    client.force_login(patient_user)
    with django_assert_max_num_queries(OWN_RECORD):
        response = client.get("/portal/records/")
    assert response.status_code == 200
    assert "Entry 01" in response.content.decode()


@pytest.mark.parametrize("size", [3, 30])
def test_sharing_page(client, patient, patient_user, authors, size, django_assert_max_num_queries):
    entries = _record(patient, authors, 4)
    team = CareTeamFactory()
    for n in range(size):
        doctor = authors[n % len(authors)]
        if n % 3 == 0:
            grant(patient, doctor, scope=Scope.ENTRY, entry=entries[n % len(entries)])
        elif n % 3 == 1:
            revoked_grant(patient, team=team)
        else:
            grant(patient, doctor, scope=Scope.CATEGORY, category=RecordCategory.ALLERGY)
    client.force_login(patient_user)
    with django_assert_max_num_queries(SHARING_PAGE):
        response = client.get("/portal/sharing/")
    assert response.status_code == 200


@pytest.mark.parametrize("size", [5, 60])
def test_entry_view_read_again(
    client, patient, physician, authors, size, django_assert_max_num_queries
):
    """The steady state: the patient's chain exists and the read is counted in the notification
    of the physician's earlier read."""
    entries = _record(patient, authors, size)
    _grants(patient, physician, entries)
    client.force_login(physician)
    assert client.get(f"/staff/patients/{patient.pk}/entries/{entries[0].pk}/").status_code == 200
    with django_assert_max_num_queries(ENTRY_VIEW_AGAIN):
        response = client.get(f"/staff/patients/{patient.pk}/entries/{entries[1].pk}/")
    assert response.status_code == 200
    assert "Entry 01" in response.content.decode()
    notification = Notification.objects.get(recipient=patient.user)
    assert notification.event_count == 2
    assert notification.message.startswith("Dr A. Rivera looked at 2 parts of your record on ")
