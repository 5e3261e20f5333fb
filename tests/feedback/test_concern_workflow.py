"""Concerns worked on a clock: the state machine, its refusals, the four elements, the thread,
the patient's page, phone and letter concerns, and who may see what."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accesslog.models import AccessAction, AccessBasis, AccessTarget
from feedback import services
from feedback.models import Channel, Grievance, GrievanceEntry, GrievanceStatus
from notifications.models import Notification, NotificationKind
from tests.factories import PatientFactory, concern
from tests.support.access_log import append_event

LONDON = ZoneInfo("Europe/London")
SECRET = "My HIV clinic visit was looked at"  # health data that must never leave in an email


def _resolution(**overrides) -> dict:
    data = {
        "contact_person": "Jordan Lee",
        "investigation_steps": "We asked Dr Rivera and checked the log.",
        "results": "The look was part of your care on that day.",
        "completed_on": dt.date.today().isoformat(),
    }
    data.update(overrides)
    return data


# --- The state machine -----------------------------------------------------------------------


def test_a_concern_walks_received_acknowledged_investigating_resolved(patient, privacy_officer):
    grievance = concern(patient, officer=privacy_officer, status=GrievanceStatus.RESOLVED)
    assert grievance.status == GrievanceStatus.RESOLVED
    history = list(grievance.entries.values_list("kind", "author__email", "by_patient"))
    assert history == [
        ("received", patient.user.email, True),
        ("acknowledged", "privacy@clinic.example", False),
        ("investigating", "privacy@clinic.example", False),
        ("resolved", "privacy@clinic.example", False),
    ]
    assert grievance.acknowledged_at and grievance.resolved_at


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (GrievanceStatus.RECEIVED, "investigate"),
        (GrievanceStatus.RECEIVED, "resolve"),
        (GrievanceStatus.ACKNOWLEDGED, "resolve"),
        (GrievanceStatus.ACKNOWLEDGED, "acknowledge"),
        (GrievanceStatus.INVESTIGATING, "acknowledge"),
        (GrievanceStatus.RESOLVED, "investigate"),
        (GrievanceStatus.RESOLVED, "acknowledge"),
        (GrievanceStatus.WITHDRAWN, "acknowledge"),
        (GrievanceStatus.WITHDRAWN, "resolve"),
    ],
)
def test_skipped_backward_and_closed_steps_are_refused(patient, privacy_officer, status, step):
    grievance = concern(patient, officer=privacy_officer, status=status)
    entries = grievance.entries.count()
    with pytest.raises(ValidationError):
        if step == "acknowledge":
            services.acknowledge_grievance(grievance=grievance, officer=privacy_officer)
        elif step == "investigate":
            services.start_investigation(grievance=grievance, officer=privacy_officer)
        else:
            services.resolve_grievance(
                grievance=grievance,
                officer=privacy_officer,
                contact_person="Jordan Lee",
                investigation_steps="Checked.",
                results="Fine.",
                completed_on=dt.date.today(),
            )
    grievance.refresh_from_db()
    assert grievance.status == status
    assert grievance.entries.count() == entries


def test_the_page_refuses_a_skipped_step_with_a_message(client, patient, privacy_officer):
    grievance = concern(patient)
    client.force_login(privacy_officer)
    response = client.post(f"/staff/privacy/grievances/{grievance.pk}/investigate/", follow=True)
    assert "cannot be marked" in response.content.decode()
    grievance.refresh_from_db()
    assert grievance.status == GrievanceStatus.RECEIVED


@pytest.mark.parametrize(
    "missing", ["contact_person", "investigation_steps", "results", "completed_on"]
)
def test_resolving_needs_all_four_elements(client, patient, privacy_officer, missing):
    grievance = concern(patient, officer=privacy_officer, status=GrievanceStatus.INVESTIGATING)
    client.force_login(privacy_officer)
    response = client.post(
        f"/staff/privacy/grievances/{grievance.pk}/resolve/", _resolution(**{missing: "  "})
    )
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    grievance.refresh_from_db()
    assert grievance.status == GrievanceStatus.INVESTIGATING
    assert not grievance.entries.filter(kind="resolved").exists()


def test_a_completion_date_in_the_future_is_refused(client, patient, privacy_officer):
    grievance = concern(patient, officer=privacy_officer, status=GrievanceStatus.INVESTIGATING)
    client.force_login(privacy_officer)
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    response = client.post(
        f"/staff/privacy/grievances/{grievance.pk}/resolve/", _resolution(completed_on=tomorrow)
    )
    assert "between the day we received" in response.content.decode()
    grievance.refresh_from_db()
    assert grievance.status == GrievanceStatus.INVESTIGATING


def test_the_patient_reads_the_four_elements_on_their_page(client, patient, privacy_officer):
    grievance = concern(patient, officer=privacy_officer, status=GrievanceStatus.INVESTIGATING)
    client.force_login(privacy_officer)
    response = client.post(f"/staff/privacy/grievances/{grievance.pk}/resolve/", _resolution())
    assert response.status_code == 302
    client.force_login(patient.user)
    page = client.get(f"/portal/feedback/concerns/{grievance.pk}/").content.decode()
    assert "Resolved" in page
    for text in ("Jordan Lee", "We asked Dr Rivera and checked the log.", "part of your care"):
        assert text in page


def test_the_history_cannot_be_changed_or_deleted(patient):
    grievance = concern(patient)
    entry = grievance.entries.get()
    entry.text = "rewritten"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        GrievanceEntry.objects.filter(grievance=grievance).update(text="x")
    with pytest.raises(TypeError):
        GrievanceEntry.objects.filter(grievance=grievance).delete()


# --- The patient's page, the thread, withdrawal -----------------------------------------------


def test_another_patients_concern_is_404_everywhere(client, patient, other_patient_user):
    grievance = concern(patient)
    client.force_login(other_patient_user)
    base = f"/portal/feedback/concerns/{grievance.pk}/"
    assert client.get(base).status_code == 404
    assert client.post(base, {"text": "hello"}).status_code == 404
    assert client.post(base + "withdraw/", {}).status_code == 404
    assert client.get("/portal/feedback/concerns/999999/").status_code == 404
    assert not grievance.entries.filter(kind="message").exists()
    grievance.refresh_from_db()
    assert grievance.status == GrievanceStatus.RECEIVED


@pytest.mark.parametrize("role_fixture", ["physician", "front_desk", "clinic_admin"])
def test_other_staff_cannot_work_concerns(client, patient, request, role_fixture):
    grievance = concern(patient)
    client.force_login(request.getfixturevalue(role_fixture))
    for url in ("", "acknowledge/", "investigate/", "message/", "resolve/", "extend/"):
        path = f"/staff/privacy/grievances/{grievance.pk}/{url}"
        assert client.post(path, {"text": "x", "note": "x"}).status_code == 403
    assert client.get("/staff/privacy/grievances/new/").status_code == 403
    grievance.refresh_from_db()
    assert grievance.status == GrievanceStatus.RECEIVED


def test_the_thread_notifies_both_sides_without_health_data(
    client, patient, privacy_officer, django_capture_on_commit_callbacks
):
    grievance = concern(patient, description=SECRET)
    mail.outbox.clear()
    client.force_login(patient.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/portal/feedback/concerns/{grievance.pk}/", {"text": f"{SECRET}, again"}
        )
    assert response.status_code == 302
    [to_officer] = [m for m in mail.outbox if m.to == ["privacy@clinic.example"]]
    assert "A patient wrote about their concern" in to_officer.body
    client.force_login(privacy_officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/staff/privacy/grievances/{grievance.pk}/message/",
            {"text": "About your HIV clinic visit: we are checking."},
        )
    [to_patient] = [m for m in mail.outbox if m.to == [patient.user.email]]
    assert "Jordan Lee wrote to you about your concern" in to_patient.body
    for email in mail.outbox:
        assert "HIV" not in email.body + email.subject
        assert all("HIV" not in str(content) for content, _ in email.alternatives)
    assert not Notification.objects.filter(message__icontains="HIV").exists()
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {NotificationKind.CONCERN_REPLY, NotificationKind.CONCERN_UPDATED} <= kinds
    page = client.get(f"/staff/privacy/grievances/{grievance.pk}/").content.decode()
    assert "again" in page and "we are checking" in page


def test_hostile_text_is_shown_as_text(client, patient, privacy_officer):
    grievance = concern(patient)
    client.force_login(patient.user)
    client.post(f"/portal/feedback/concerns/{grievance.pk}/", {"text": "<script>alert(1)</script>"})
    page = client.get(f"/portal/feedback/concerns/{grievance.pk}/").content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page


@pytest.mark.parametrize("text", ["", "   ", "x" * 5001])
def test_empty_or_huge_messages_are_refused(client, patient, text):
    grievance = concern(patient)
    client.force_login(patient.user)
    response = client.post(f"/portal/feedback/concerns/{grievance.pk}/", {"text": text})
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    assert not grievance.entries.filter(kind="message").exists()


def test_a_double_submitted_step_is_refused_the_second_time(client, patient, privacy_officer):
    grievance = concern(patient)
    client.force_login(privacy_officer)
    url = f"/staff/privacy/grievances/{grievance.pk}/acknowledge/"
    assert client.post(url, {"note": ""}).status_code == 302
    second = client.post(url, {"note": ""}, follow=True)
    assert "cannot be marked" in second.content.decode()
    assert grievance.entries.filter(kind="acknowledged").count() == 1


def test_the_patient_may_withdraw_and_then_write_no_more(client, patient, privacy_officer):
    grievance = concern(patient, officer=privacy_officer, status=GrievanceStatus.ACKNOWLEDGED)
    client.force_login(patient.user)
    url = f"/portal/feedback/concerns/{grievance.pk}/"
    assert client.post(url + "withdraw/", {"reason": "Sorted out"}).status_code == 302
    grievance.refresh_from_db()
    assert grievance.status == GrievanceStatus.WITHDRAWN
    assert Notification.objects.filter(
        recipient=privacy_officer, message__startswith="A patient withdrew a concern"
    ).exists()
    response = client.post(url, {"text": "one more thing"}, follow=True)
    assert "This concern is closed" in response.content.decode()
    assert not grievance.entries.filter(kind="message").exists()


def test_closed_concerns_take_no_more_messages_from_staff(patient, privacy_officer):
    grievance = concern(patient, officer=privacy_officer, status=GrievanceStatus.RESOLVED)
    with pytest.raises(ValidationError):
        services.add_message(grievance=grievance, author=privacy_officer, text="late")


def test_the_patient_page_shows_status_and_due_dates(client, patient, privacy_officer):
    raised = dt.datetime(2026, 12, 4, 18, 0, tzinfo=LONDON)  # a Friday evening
    grievance = concern(patient, officer=privacy_officer, at=raised)
    client.force_login(patient.user)
    page = client.get(f"/portal/feedback/concerns/{grievance.pk}/").content.decode()
    assert "Received" in page
    assert "By 8 December 2026" in page  # acknowledge within 2 business days
    assert "By 15 December 2026" in page  # written answer within 7 business days


def test_concern_pages_have_flat_query_counts(
    client, patient, privacy_officer, django_assert_max_num_queries
):
    grievance = concern(patient, officer=privacy_officer, status=GrievanceStatus.INVESTIGATING)
    for n in range(6):
        services.add_message(grievance=grievance, author=patient.user, text=f"note {n}")
    client.force_login(patient.user)
    with django_assert_max_num_queries(12):
        assert client.get(f"/portal/feedback/concerns/{grievance.pk}/").status_code == 200
    client.force_login(privacy_officer)
    with django_assert_max_num_queries(12):
        assert client.get(f"/staff/privacy/grievances/{grievance.pk}/").status_code == 200
    for _ in range(5):
        concern(patient)
    with django_assert_max_num_queries(12):
        assert client.get("/staff/privacy/grievances/").status_code == 200


# --- From the access log ------------------------------------------------------------------------


def test_a_concern_from_the_access_log_links_both_ways(client, patient, physician):
    event = append_event(
        patient=patient,
        actor=physician,
        action=AccessAction.VIEW,
        target=AccessTarget.RECORD,
        basis=AccessBasis.GRANT,
        purpose="treatment",
    )
    client.force_login(patient.user)
    response = client.post(
        "/portal/feedback/concern/", {"description": "I do not know them", "event": event.pk}
    )
    grievance = Grievance.objects.get()
    assert response["Location"] == f"/portal/feedback/concerns/{grievance.pk}/"
    assert grievance.access_event == event
    page = client.get(response["Location"]).content.decode()
    assert f"/portal/access-log/#event-{event.pk}" in page
    log = client.get("/portal/access-log/").content.decode()
    assert f'id="event-{event.pk}"' in log
    assert "Concern open" in log
    assert f"/portal/feedback/concerns/{grievance.pk}/" in log


# --- Phone and letter --------------------------------------------------------------------------


def test_privacy_officer_records_a_phone_concern(
    client, patient, privacy_officer, django_capture_on_commit_callbacks
):
    client.force_login(privacy_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/staff/privacy/grievances/new/",
            {"mrn": patient.mrn.lower(), "channel": "phone", "description": "Called about a look."},
        )
    grievance = Grievance.objects.get()
    assert response["Location"] == f"/staff/privacy/grievances/{grievance.pk}/"
    assert (grievance.channel, grievance.recorded_by, grievance.patient) == (
        Channel.PHONE,
        privacy_officer,
        patient,
    )
    entry = grievance.entries.get()
    assert (entry.author, entry.by_patient) == (privacy_officer, False)
    page = client.get(response["Location"]).content.decode()
    assert "by phone, recorded by Jordan Lee" in page
    assert Notification.objects.filter(
        recipient=patient.user, kind=NotificationKind.CONCERN_UPDATED
    ).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"mrn": "RNOPE", "channel": "phone", "description": "x"},
        {"mrn": "", "channel": "phone", "description": "x"},
        {"mrn": "R1", "channel": "portal", "description": "x"},
        {"mrn": "R1", "channel": "letter", "description": ""},
        {"mrn": "<script>", "channel": "fax", "description": "y" * 6000},
    ],
)
def test_bad_phone_concerns_are_refused(client, privacy_officer, data):
    client.force_login(privacy_officer)
    response = client.post("/staff/privacy/grievances/new/", data)
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    assert not Grievance.objects.exists()


def test_only_a_privacy_officer_records_for_a_patient(patient, physician):
    with pytest.raises(ValidationError):
        services.raise_grievance(
            patient=patient, description="x", channel=Channel.PHONE, recorded_by=physician
        )


def test_a_step_on_a_patient_without_an_account_does_not_claim_they_were_told(
    client, patient, privacy_officer
):
    told = concern(patient)
    offline = services.raise_grievance(
        patient=PatientFactory(),
        description="Called about a look.",
        channel=Channel.PHONE,
        recorded_by=privacy_officer,
    )
    client.force_login(privacy_officer)
    page = client.post(
        f"/staff/privacy/grievances/{told.pk}/acknowledge/", {"note": ""}, follow=True
    ).content.decode()
    assert "Done. The patient has been told." in page
    for step in ("acknowledge", "investigate"):
        page = client.post(
            f"/staff/privacy/grievances/{offline.pk}/{step}/", {"note": ""}, follow=True
        ).content.decode()
        assert "has been told" not in page
        assert "no portal account: tell them by letter or phone" in page
    assert (
        not Notification.objects.filter(kind=NotificationKind.CONCERN_UPDATED)
        .exclude(recipient=patient.user)
        .exists()
    )


def test_the_mrn_may_be_typed_with_spaces_and_tabs(client, patient, privacy_officer):
    client.force_login(privacy_officer)
    typed = f" {patient.mrn[:2].lower()}\t{patient.mrn[2:]} "
    response = client.post(
        "/staff/privacy/grievances/new/",
        {"mrn": typed, "channel": "letter", "description": "A letter about a look."},
    )
    assert response.status_code == 302
    assert Grievance.objects.get().patient == patient
