"""Every URL with an id, tried with ids that belong to another patient: always 404, nothing shown,
nothing changed."""

from __future__ import annotations

import pytest

from accesslog.models import AccessEvent
from consent.models import AccessRequest, ConsentGrant, RequestStatus, Scope
from feedback.models import Grievance
from patients.models import RecordCategory, RecordEntry
from tests.factories import RecordEntryFactory, grant, pdf_upload
from tests.support.record import MARIA_ENTRIES, THOMAS_BODY, THOMAS_TITLE


@pytest.fixture
def thomas_document(other_patient, author):
    return RecordEntryFactory(
        patient=other_patient,
        author=author,
        category=RecordCategory.DOCUMENT,
        title="Thomas's scan",
        document=pdf_upload("thomas.pdf"),
    )


# --- the portal: a patient never reaches another patient's record -------------------------------


@pytest.mark.parametrize("suffix", ["", "document/"])
def test_other_patients_entry_id_in_own_portal_is_404(client, record, other_patient_user, suffix):
    client.force_login(other_patient_user)
    for key, (_category, title, body, _sensitive) in MARIA_ENTRIES.items():
        response = client.get(f"/portal/records/{record[key].pk}/{suffix}")
        assert response.status_code == 404, key
        if not suffix:
            page = response.content.decode()
            assert title not in page and body not in page


def test_other_patients_read_attempt_writes_no_access_event(client, record, other_patient_user):
    client.force_login(other_patient_user)
    client.get(f"/portal/records/{record['lab'].pk}/")
    client.get(f"/portal/records/{record.document.pk}/document/")
    assert not AccessEvent.objects.filter(patient=record["lab"].patient).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/portal/records/99999999999999999999/",
        "/portal/records/99999999999999999999/document/",
        "/portal/sharing/99999999999999999999/stop/",
        "/portal/sharing/requests/99999999999999999999/",
    ],
)
def test_out_of_range_ids_in_the_portal_are_404_not_500(client, patient_user, url):
    client.force_login(patient_user)
    assert client.get(url).status_code == 404


# --- the staff area: a grant on Maria opens Maria's URLs only ----------------------------------


@pytest.fixture
def physician_sharing_maria(record, patient, physician):
    grant(patient, physician, include_sensitive=True)
    return physician


def test_grant_on_maria_does_not_open_thomas_entry_under_marias_url(
    client, record, patient, physician_sharing_maria
):
    client.force_login(physician_sharing_maria)
    response = client.get(f"/staff/patients/{patient.pk}/entries/{record.other.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert THOMAS_TITLE not in page and THOMAS_BODY not in page


def test_grant_on_maria_does_not_open_thomas_document_under_marias_url(
    client, patient, physician_sharing_maria, thomas_document
):
    client.force_login(physician_sharing_maria)
    response = client.get(f"/staff/patients/{patient.pk}/entries/{thomas_document.pk}/document/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    ["", "?category=allergy", "entries/new/", "entries/{entry}/", "entries/{entry}/document/"],
)
def test_grant_on_maria_does_not_open_thomas_urls(
    client, record, other_patient, physician_sharing_maria, thomas_document, path
):
    client.force_login(physician_sharing_maria)
    url = f"/staff/patients/{other_patient.pk}/" + path.format(entry=thomas_document.pk)
    response = client.get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert THOMAS_TITLE not in page and "Thomas Whitfield" not in page


def test_entries_of_one_patient_never_open_under_the_other_even_with_both_grants(
    client, record, patient, other_patient, physician
):
    grant(patient, physician, include_sensitive=True)
    grant(other_patient, physician, include_sensitive=True)
    client.force_login(physician)
    assert (
        client.get(f"/staff/patients/{other_patient.pk}/entries/{record.other.pk}/").status_code
        == 200
    )
    assert client.get(f"/staff/patients/{patient.pk}/entries/{record.other.pk}/").status_code == 404
    lab = record["lab"].pk
    assert client.get(f"/staff/patients/{other_patient.pk}/entries/{lab}/").status_code == 404


def test_new_entry_for_a_patient_not_shared_is_404_and_writes_nothing(
    client, record, other_patient, physician_sharing_maria
):
    client.force_login(physician_sharing_maria)
    before = RecordEntry.objects.count()
    response = client.post(
        f"/staff/patients/{other_patient.pk}/entries/new/",
        {
            "category": RecordCategory.VISIT_NOTE,
            "title": "Injected note",
            "body": "Should never be written",
            "recorded_on": "2024-01-10",
        },
    )
    assert response.status_code == 404
    assert RecordEntry.objects.count() == before


# --- sharing: patients act only on their own grants and requests --------------------------------


@pytest.fixture
def marias_grant(record, patient, physician):
    return grant(patient, physician)


def test_other_patient_cannot_see_marias_grant_revoke_page(
    client, other_patient_user, marias_grant
):
    client.force_login(other_patient_user)
    response = client.get(f"/portal/sharing/{marias_grant.pk}/stop/")
    assert response.status_code == 404
    assert "Dr A. Rivera" not in response.content.decode()


def test_other_patient_cannot_revoke_marias_grant(client, other_patient_user, marias_grant):
    client.force_login(other_patient_user)
    response = client.post(f"/portal/sharing/{marias_grant.pk}/stop/", {"reason": "gotcha"})
    assert response.status_code == 404
    marias_grant.refresh_from_db()
    assert marias_grant.revoked_at is None and marias_grant.revoke_reason == ""


@pytest.fixture
def marias_request(patient, physician):
    return AccessRequest.objects.create(
        patient=patient, physician=physician, scope=Scope.RECORD, purpose="treatment"
    )


def test_other_patient_cannot_see_marias_access_request(client, other_patient_user, marias_request):
    client.force_login(other_patient_user)
    response = client.get(f"/portal/sharing/requests/{marias_request.pk}/")
    assert response.status_code == 404
    assert "Dr A. Rivera" not in response.content.decode()


@pytest.mark.parametrize(
    "answer",
    [
        {"decision": "approve", "scope": "record", "include_sensitive": "on"},
        {"decision": "decline", "note": "no"},
    ],
)
def test_other_patient_cannot_answer_marias_access_request(
    client, other_patient_user, marias_request, answer
):
    client.force_login(other_patient_user)
    response = client.post(f"/portal/sharing/requests/{marias_request.pk}/", answer)
    assert response.status_code == 404
    marias_request.refresh_from_db()
    assert marias_request.status == RequestStatus.PENDING
    assert not ConsentGrant.objects.exists()


# --- the access log and concerns about it -------------------------------------------------------


@pytest.fixture
def marias_event(client, record, patient, physician_sharing_maria):
    """Dr A. Rivera reads Maria's record: one event in Maria's log."""
    client.force_login(physician_sharing_maria)
    assert client.get(f"/staff/patients/{patient.pk}/").status_code == 200
    client.logout()
    return AccessEvent.objects.get(patient=patient, actor=physician_sharing_maria)


def test_concern_page_shows_own_event(client, patient_user, marias_event):
    client.force_login(patient_user)
    page = client.get(f"/portal/feedback/concern/?event={marias_event.pk}").content.decode()
    assert "Dr A. Rivera" in page


def test_concern_page_does_not_show_another_patients_event(
    client, other_patient_user, marias_event
):
    client.force_login(other_patient_user)
    response = client.get(f"/portal/feedback/concern/?event={marias_event.pk}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dr A. Rivera" not in page
    assert "You are telling us you do not recognise this look" not in page
    assert f'value="{marias_event.pk}"' not in page


def test_concern_about_another_patients_event_is_not_linked_to_it(
    client, other_patient, other_patient_user, marias_event
):
    client.force_login(other_patient_user)
    response = client.post(
        "/portal/feedback/concern/", {"description": "Who is this?", "event": marias_event.pk}
    )
    assert response.status_code == 302
    grievance = Grievance.objects.get()
    assert grievance.patient == other_patient
    assert grievance.access_event is None


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999", "1 OR 1=1"])
def test_concern_page_with_a_garbage_event_id_is_not_an_error(client, patient_user, db, value):
    client.force_login(patient_user)
    response = client.get("/portal/feedback/concern/", {"event": value})
    assert response.status_code == 200


def test_access_log_filter_by_a_stranger_shows_nothing_of_maria(
    client, other_patient_user, marias_event
):
    client.force_login(other_patient_user)
    response = client.get(f"/portal/access-log/?person={marias_event.actor_id}")
    assert response.status_code == 200
    assert "Dr A. Rivera" not in response.content.decode()
