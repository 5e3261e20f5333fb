"""Break-glass: a stated reason, a short window, the patient told at once, every use reviewed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accesslog.models import AccessBasis, AccessEvent
from consent.models import EmergencyAccess, ReviewOutcome
from notifications.models import Delivery, EmailPreference, Notification, NotificationKind
from tests.factories import EMERGENCY_REASON, emergency_access, frozen_time
from tests.support.record import MARIA_ENTRIES

TITLES = [title for _c, title, _b, _s in MARIA_ENTRIES.values()]


@pytest.fixture
def doctor(physician) -> Client:
    client = Client()
    client.force_login(physician)
    return client


def break_glass(
    doctor: Client, patient, reason: str = EMERGENCY_REASON, situation: str = "unconscious"
):
    return doctor.post(
        "/staff/patients/emergency/new/",
        {"mrn": patient.mrn, "reason": reason, "situation": situation},
    )


# --- opening ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("Need it now", "write at least 20 characters"),
        ("a    b    c    d    e    f", "Please explain the emergency in at least 20 characters."),
        ("", "This field is required."),
        ("x" * 10_000, "at most 2000 characters"),
    ],
)
def test_reason_must_say_enough(doctor, record, patient, reason, message):
    response = break_glass(doctor, patient, reason)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EmergencyAccess.objects.exists()
    assert not Notification.objects.exists()
    assert doctor.get(f"/staff/patients/{patient.pk}/").status_code == 404


def test_opening_gives_read_access_for_the_configured_window(
    doctor, record, patient, physician, settings
):
    settings.EMERGENCY_ACCESS_HOURS = 2
    response = break_glass(doctor, patient)
    assert response.status_code == 302
    assert response["Location"] == f"/staff/patients/{patient.pk}/"
    access = EmergencyAccess.objects.get()
    assert (access.physician, access.patient) == (physician, patient)
    assert access.reason == EMERGENCY_REASON
    assert access.expires_at - access.opened_at == dt.timedelta(hours=2)
    assert access.review_outcome == ReviewOutcome.PENDING

    page = doctor.get(response["Location"]).content.decode()
    assert "Emergency access is open until" in page
    assert "<strong>Emergency access</strong> until" in page
    for title in TITLES:  # sensitive entries too
        assert title in page
    sensitive = record["sensitive"]
    entry = doctor.get(f"/staff/patients/{patient.pk}/entries/{sensitive.pk}/")
    assert entry.status_code == 200
    assert (
        AccessEvent.objects.filter(
            patient=patient, actor=physician, basis=AccessBasis.EMERGENCY, emergency=access
        ).count()
        == 2
    )


def test_window_end_is_told_in_clinic_time(doctor, record, patient, physician, settings):
    """In summer London is UTC+1: a window opened at 11:00 local time ends at 15:00 local."""
    settings.EMERGENCY_ACCESS_HOURS = 4
    opened = dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC)
    with frozen_time(opened):
        doctor.force_login(physician)
        response = break_glass(doctor, patient)
        page = doctor.get(response["Location"]).content.decode()
    assert "Emergency access is open until 15:00." in page
    assert "<strong>Emergency access</strong> until 15:00." in page


def test_reason_is_normalised(doctor, record, patient):
    break_glass(doctor, patient, "  Unconscious,\n\n  no  relatives reachable   ")
    assert EmergencyAccess.objects.get().reason == "Unconscious, no relatives reachable"


def test_patient_is_told_at_once_by_notification_and_email(
    doctor, record, patient, patient_user, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        break_glass(doctor, patient)
    note = Notification.objects.get(recipient=patient_user, kind=NotificationKind.EMERGENCY_ACCESS)
    assert note.message.startswith("Dr A. Rivera opened your record in an emergency on ")
    assert note.link == f"/portal/sharing/#emergency-{EmergencyAccess.objects.get().pk}"
    assert note.email_sent_at is not None
    emails = [m for m in mailoutbox if m.to == ["maria@example.org"]]
    assert len(emails) == 1
    assert "Dr A. Rivera opened your record in an emergency" in emails[0].body
    # The reason may hold health details: it is in the portal, never in the email.
    assert "Unconscious" not in emails[0].body and "allergies" not in emails[0].body


def test_patient_who_chose_a_digest_is_still_emailed_at_once(
    doctor, record, patient, django_capture_on_commit_callbacks, mailoutbox
):
    EmailPreference.objects.create(user=patient.user, record_access=Delivery.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        break_glass(doctor, patient)
    with django_capture_on_commit_callbacks(execute=True):
        doctor.get(f"/staff/patients/{patient.pk}/")
    to_maria = [m.body for m in mailoutbox if m.to == ["maria@example.org"]]
    assert len(to_maria) == 2
    assert "opened your record in an emergency" in to_maria[0]
    assert "looked at your record under emergency access" in to_maria[1]
    for body in to_maria:
        for title in TITLES:
            assert title not in body


def test_privacy_officers_are_asked_to_review(
    doctor, record, patient, privacy_officer, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        break_glass(doctor, patient)
    access = EmergencyAccess.objects.get()
    note = Notification.objects.get(recipient=privacy_officer)
    assert note.kind == NotificationKind.EMERGENCY_TO_REVIEW
    assert note.link == f"/staff/privacy/emergency/{access.pk}/"
    assert any(m.to == ["privacy@clinic.example"] for m in mailoutbox)


def test_double_submit_opens_one_access(doctor, record, patient, patient_user):
    first = break_glass(doctor, patient)
    second = break_glass(doctor, patient, "A second, different reason for the same window.")
    assert first.status_code == second.status_code == 302
    assert EmergencyAccess.objects.count() == 1
    assert EmergencyAccess.objects.get().reason == EMERGENCY_REASON
    assert (
        Notification.objects.filter(
            recipient=patient_user, kind=NotificationKind.EMERGENCY_ACCESS
        ).count()
        == 1
    )


def test_unknown_mrn_is_404(doctor, record):
    response = doctor.post(
        "/staff/patients/emergency/new/", {"mrn": "RNOTREAL1", "reason": EMERGENCY_REASON}
    )
    assert response.status_code == 404
    assert not EmergencyAccess.objects.exists()


@pytest.mark.parametrize(
    "persona", ["front_desk", "privacy_officer", "clinic_admin", "patient_user"]
)
def test_only_physicians_can_break_the_glass(client, record, patient, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(
        "/staff/patients/emergency/new/", {"mrn": patient.mrn, "reason": EMERGENCY_REASON}
    )
    assert response.status_code == 403
    assert not EmergencyAccess.objects.exists()


def test_patient_sees_the_emergency_and_its_reason(
    client, record, patient, patient_user, physician
):
    emergency_access(physician, patient)
    client.force_login(patient_user)
    page = client.get("/portal/sharing/").content.decode()
    assert "<strong>Dr A. Rivera</strong>" in page
    assert f"“{EMERGENCY_REASON}”" in page
    assert "Under review" in page


# --- the window ---------------------------------------------------------------------------------


@pytest.mark.parametrize("after", [dt.timedelta(0), dt.timedelta(minutes=1), dt.timedelta(days=1)])
def test_record_is_closed_again_when_the_window_ends(
    doctor, record, patient, physician, settings, after
):
    settings.EMERGENCY_ACCESS_HOURS = 4
    access = emergency_access(physician, patient)
    entry_url = f"/staff/patients/{patient.pk}/entries/{record['lab'].pk}/"
    assert doctor.get(entry_url).status_code == 200
    with frozen_time(access.expires_at + after):
        doctor.force_login(physician)
        assert doctor.get(entry_url).status_code == 404
        assert doctor.get(f"/staff/patients/{patient.pk}/").status_code == 404
        assert "Maria Santos" not in doctor.get("/staff/patients/").content.decode()


def test_record_is_still_open_just_before_the_window_ends(doctor, record, patient, physician):
    access = emergency_access(physician, patient)
    with frozen_time(access.expires_at - dt.timedelta(seconds=1)):
        doctor.force_login(physician)
        assert doctor.get(f"/staff/patients/{patient.pk}/").status_code == 200


def test_breaking_the_glass_again_after_the_window_opens_a_new_access(
    doctor, record, patient, physician
):
    first = emergency_access(physician, patient)
    with frozen_time(first.expires_at + dt.timedelta(minutes=5)):
        doctor.force_login(physician)
        assert break_glass(doctor, patient).status_code == 302
        assert EmergencyAccess.objects.count() == 2
        assert doctor.get(f"/staff/patients/{patient.pk}/").status_code == 200


# --- review -------------------------------------------------------------------------------------


@pytest.fixture
def opened(doctor, record, patient, physician) -> EmergencyAccess:
    """Dr A. Rivera breaks the glass, opens the record and reads the sensitive entry."""
    assert break_glass(doctor, patient).status_code == 302
    assert doctor.get(f"/staff/patients/{patient.pk}/").status_code == 200
    sensitive = record["sensitive"]
    assert doctor.get(f"/staff/patients/{patient.pk}/entries/{sensitive.pk}/").status_code == 200
    return EmergencyAccess.objects.get()


@pytest.fixture
def officer(privacy_officer) -> Client:
    client = Client()
    client.force_login(privacy_officer)
    return client


def test_queue_lists_the_access_to_review(officer, patient, opened):
    page = officer.get("/staff/privacy/emergency/").content.decode()
    assert "Waiting for review (1)" in page
    assert "Dr A. Rivera" in page and patient.mrn in page
    assert EMERGENCY_REASON[:60] in page
    assert f"/staff/privacy/emergency/{opened.pk}/" in page


def test_review_page_shows_what_was_opened_but_no_content(officer, opened):
    response = officer.get(f"/staff/privacy/emergency/{opened.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Record overview" in page and "Entry (Visit note)" in page
    for _category, title, body, _sensitive in MARIA_ENTRIES.values():
        assert title not in page and body not in page


def test_privacy_officer_cannot_read_the_record(officer, record, patient, opened):
    assert officer.get(f"/staff/patients/{patient.pk}/").status_code == 403
    lab = record["lab"].pk
    assert officer.get(f"/staff/patients/{patient.pk}/entries/{lab}/").status_code == 403


@pytest.mark.parametrize(
    ("outcome", "shown"),
    [(ReviewOutcome.APPROPRIATE, "Appropriate"), (ReviewOutcome.INAPPROPRIATE, "Inappropriate")],
)
def test_review_outcome_is_shown_to_the_patient(
    officer, client, patient_user, privacy_officer, opened, outcome, shown
):
    note = "The patient was unconscious; the access was limited to what care needed."
    response = officer.post(
        f"/staff/privacy/emergency/{opened.pk}/", {"outcome": outcome, "note": note}
    )
    assert response.status_code == 302
    opened.refresh_from_db()
    assert (opened.review_outcome, opened.reviewed_by, opened.review_note) == (
        outcome,
        privacy_officer,
        note,
    )
    reviewed = Notification.objects.get(
        recipient=patient_user, kind=NotificationKind.EMERGENCY_REVIEWED
    )
    assert "Read the outcome" in reviewed.message and note not in reviewed.message

    client.force_login(patient_user)
    page = client.get("/portal/sharing/").content.decode()
    assert f"Review by Jordan Lee on {timezone.localdate():%-d %B %Y}" in page
    assert f"<strong>{shown}</strong>. {note}" in page
    assert "Under review" not in page
    queue = officer.get("/staff/privacy/emergency/").content.decode()
    assert "Waiting for review (0)" in queue


def test_review_needs_a_note(officer, opened):
    response = officer.post(
        f"/staff/privacy/emergency/{opened.pk}/", {"outcome": "appropriate", "note": "   "}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    opened.refresh_from_db()
    assert opened.review_outcome == ReviewOutcome.PENDING


def test_review_with_an_unknown_outcome_is_refused(officer, opened):
    response = officer.post(
        f"/staff/privacy/emergency/{opened.pk}/", {"outcome": "pending", "note": "ok"}
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    opened.refresh_from_db()
    assert opened.review_outcome == ReviewOutcome.PENDING


def test_second_review_changes_nothing(officer, opened):
    officer.post(
        f"/staff/privacy/emergency/{opened.pk}/", {"outcome": "appropriate", "note": "First"}
    )
    response = officer.post(
        f"/staff/privacy/emergency/{opened.pk}/", {"outcome": "inappropriate", "note": "Second"}
    )
    assert response.status_code == 302
    opened.refresh_from_db()
    assert (opened.review_outcome, opened.review_note) == (ReviewOutcome.APPROPRIATE, "First")


@pytest.mark.parametrize("persona", ["physician", "other_physician", "front_desk", "patient_user"])
def test_only_privacy_officers_can_review(client, opened, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/staff/privacy/emergency/").status_code == 403
    assert client.get(f"/staff/privacy/emergency/{opened.pk}/").status_code == 403
    response = client.post(
        f"/staff/privacy/emergency/{opened.pk}/", {"outcome": "appropriate", "note": "Fine by me"}
    )
    assert response.status_code == 403
    opened.refresh_from_db()
    assert opened.review_outcome == ReviewOutcome.PENDING


def test_review_of_an_unknown_access_is_404(officer, db):
    assert officer.get("/staff/privacy/emergency/987654/").status_code == 404


def test_access_log_marks_emergency_reads(client, patient_user, opened):
    client.force_login(patient_user)
    page = client.get("/portal/access-log/").content.decode()
    assert "Emergency access — under review" in page
