"""Emergency access stays an exception: a verdict or the patient ends it at once, repeats are seen
and alerted, reasons are real, and a patient with no portal account is told by letter or phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from clinic.models import Role
from consent import services
from consent.models import (
    EmergencyAccess,
    EmergencyEnd,
    EmergencySituation,
    OutreachKind,
    OutreachTask,
    ReviewOutcome,
)
from notifications.models import Notification, NotificationKind
from tests.factories import (
    EMERGENCY_REASON,
    PatientFactory,
    StaffFactory,
    emergency_access,
    frozen_time,
)


@pytest.fixture
def doctor(physician) -> Client:
    client = Client()
    client.force_login(physician)
    return client


def break_glass(doctor, patient, reason=EMERGENCY_REASON, situation="unconscious"):
    return doctor.post(
        "/staff/patients/emergency/new/",
        {"mrn": patient.mrn, "reason": reason, "situation": situation},
    )


def review(officer_client, access, outcome, note="Checked with the ward."):
    return officer_client.post(
        f"/staff/privacy/emergency/{access.pk}/", {"outcome": outcome, "note": note}
    )


# --- the verdict and the patient end it ----------------------------------------------------------


def test_an_inappropriate_verdict_ends_the_access_at_once(
    client, doctor, record, patient, patient_user, physician, privacy_officer
):
    access = emergency_access(physician, patient)
    assert doctor.get(f"/staff/patients/{patient.pk}/").status_code == 200
    client.force_login(privacy_officer)
    assert review(client, access, "inappropriate").status_code == 302
    access.refresh_from_db()
    assert access.end_reason == EmergencyEnd.VERDICT and access.ended_at is not None
    assert doctor.get(f"/staff/patients/{patient.pk}/").status_code == 404  # the next click
    told = Notification.objects.get(
        recipient=patient_user, kind=NotificationKind.EMERGENCY_REVIEWED
    )
    assert "judged it inappropriate. The access was ended at once." in told.message
    assert Notification.objects.filter(
        recipient=physician, kind=NotificationKind.EMERGENCY_ENDED
    ).exists()


def test_an_appropriate_verdict_leaves_the_window_as_it_was(
    client, doctor, record, patient, physician, privacy_officer
):
    access = emergency_access(physician, patient)
    client.force_login(privacy_officer)
    review(client, access, "appropriate")
    access.refresh_from_db()
    assert access.ended_at is None
    assert doctor.get(f"/staff/patients/{patient.pk}/").status_code == 200


def test_the_patient_sees_an_open_emergency_first_and_can_end_it(
    client, doctor, record, patient, patient_user, physician, privacy_officer
):
    opened_at = timezone.now().replace(hour=3, minute=19) - dt.timedelta(days=1)
    with frozen_time(opened_at):
        access = emergency_access(physician, patient)
    with frozen_time(opened_at + dt.timedelta(hours=1)):
        client.force_login(patient_user)
        home = client.get("/portal/").content.decode()
        local = timezone.localtime(opened_at)
        assert "Your record is open in an emergency" in home
        assert f"Dr A. Rivera opened your record in an emergency on {local:%-d %B} at 03:19" in (
            home
        )
        assert "Why, and what you can do" in home
        sharing = client.get("/portal/sharing/").content.decode()
        assert f"/portal/sharing/emergency/{access.pk}/end/" in sharing
        page = client.get(f"/portal/sharing/emergency/{access.pk}/end/").content.decode()
        assert "End it now" in page and EMERGENCY_REASON in page
        assert client.post(f"/portal/sharing/emergency/{access.pk}/end/").status_code == 302
        access.refresh_from_db()
        assert access.end_reason == EmergencyEnd.PATIENT
        doctor.force_login(physician)
        assert doctor.get(f"/staff/patients/{patient.pk}/").status_code == 404
        assert "Your record is open in an emergency" not in client.get("/portal/").content.decode()
    assert Notification.objects.filter(
        recipient=physician, kind=NotificationKind.EMERGENCY_ENDED
    ).exists()
    assert Notification.objects.filter(
        recipient=privacy_officer, kind=NotificationKind.EMERGENCY_ENDED
    ).exists()
    assert access.review_outcome == ReviewOutcome.PENDING  # still reviewed


def test_a_patient_cannot_end_another_patients_emergency_access(
    client, record, other_patient_user, patient, physician
):
    access = emergency_access(physician, patient)
    client.force_login(other_patient_user)
    assert client.get(f"/portal/sharing/emergency/{access.pk}/end/").status_code == 404
    assert client.post(f"/portal/sharing/emergency/{access.pk}/end/").status_code == 404
    access.refresh_from_db()
    assert access.ended_at is None


def test_ending_an_access_that_already_ended_changes_nothing(
    client, record, patient, patient_user, physician
):
    access = emergency_access(physician, patient)
    client.force_login(patient_user)
    client.post(f"/portal/sharing/emergency/{access.pk}/end/")
    ended_at = EmergencyAccess.objects.get().ended_at
    response = client.post(f"/portal/sharing/emergency/{access.pk}/end/", follow=True)
    assert "already ended" in response.content.decode()
    assert EmergencyAccess.objects.get().ended_at == ended_at


# --- repeats -------------------------------------------------------------------------------------


def test_reopening_while_open_opens_nothing_new_and_extends_nothing(
    doctor, record, patient, physician
):
    first = break_glass(doctor, patient)
    access = EmergencyAccess.objects.get()
    with frozen_time(timezone.now() + dt.timedelta(hours=1)):
        response = break_glass(doctor, patient, reason="Still unconscious, need the medicine list")
        page = doctor.get(response["Location"]).content.decode()
    assert first.status_code == response.status_code == 302
    assert EmergencyAccess.objects.count() == 1
    assert EmergencyAccess.objects.get().expires_at == access.expires_at
    assert "Nothing new was opened and the time was not extended" in page


def test_more_openings_than_allowed_in_a_day_alert_the_privacy_officers(
    db, physician, privacy_officer, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.EMERGENCY_ALERT_OPENINGS_PER_DAY = 2
    patients = [PatientFactory() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        for patient in patients:
            emergency_access(physician, patient)
    alerts = Notification.objects.filter(
        recipient=privacy_officer, kind=NotificationKind.EMERGENCY_ALERT
    )
    assert alerts.count() == 1
    assert "3 emergency openings by this physician in 24 hours" in alerts.get().message
    assert EmergencyAccess.objects.filter(alert__contains="3 emergency openings").count() == 1
    assert any(m.subject.endswith("Emergency access to look at now") for m in mailoutbox)


def test_openings_spread_over_more_than_a_day_do_not_alert(db, physician, settings):
    settings.EMERGENCY_ALERT_OPENINGS_PER_DAY = 1
    start = timezone.now() - dt.timedelta(days=3)
    for day, patient in enumerate([PatientFactory(), PatientFactory()]):
        with frozen_time(start + dt.timedelta(days=day)):
            emergency_access(physician, patient)
    assert not Notification.objects.filter(kind=NotificationKind.EMERGENCY_ALERT).exists()


def test_an_opening_after_an_inappropriate_one_alerts_at_once(
    db, patient, physician, privacy_officer
):
    earlier = services.open_emergency_access(
        physician=physician, patient=patient, reason=EMERGENCY_REASON
    )
    services.review_emergency_access(
        access=earlier, reviewer=privacy_officer, outcome="inappropriate", note="No emergency."
    )
    with frozen_time(timezone.now() + dt.timedelta(days=2)):
        again = services.open_emergency_access(
            physician=physician,
            patient=patient,
            reason="Chest pain in clinic, need the medicine list now",
        )
    assert "judged inappropriate" in again.alert
    alert = Notification.objects.get(kind=NotificationKind.EMERGENCY_ALERT)
    assert alert.recipient == privacy_officer
    assert alert.link == f"/staff/privacy/emergency/{again.pk}/"


def test_the_queue_flags_an_alerted_opening(client, db, patient, physician, privacy_officer):
    earlier = emergency_access(physician, patient)
    services.review_emergency_access(
        access=earlier, reviewer=privacy_officer, outcome="inappropriate", note="No emergency."
    )
    with frozen_time(timezone.now() + dt.timedelta(days=1)):
        emergency_access(physician, patient, reason="Seizure at home, need the allergy list now")
    client.force_login(privacy_officer)
    page = client.get("/staff/privacy/emergency/").content.decode()
    assert "Look at this now:" in page and "judged inappropriate" in page


# --- reasons -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason",
    [
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "emergency emergency emergency emergency",
        "urgent!!!!!!!!!!!!!!!!!!!!!!!!",
        "need it need it need it need it",
        "x y z w x y z w x y z w x y z",
        "help help help please help help",
        "........................................",
    ],
)
def test_a_padded_or_repeated_reason_is_refused(doctor, record, patient, reason):
    response = break_glass(doctor, patient, reason=reason)
    assert response.status_code == 200
    assert "in your own words" in response.content.decode()
    assert not EmergencyAccess.objects.exists()


@pytest.mark.parametrize("situation", ["", "made_up", "<script>"])
def test_the_situation_must_be_one_of_the_clinical_situations(doctor, record, patient, situation):
    response = break_glass(doctor, patient, situation=situation)
    assert response.status_code == 200
    assert not EmergencyAccess.objects.exists()


def test_the_situation_and_reason_reach_the_patient_and_the_reviewer(
    client, doctor, record, patient, patient_user, privacy_officer
):
    break_glass(doctor, patient, situation=EmergencySituation.MEDICATION)
    access = EmergencyAccess.objects.get()
    label = str(EmergencySituation.MEDICATION.label)  # labels are translatable (lazy)
    client.force_login(patient_user)
    assert label in client.get("/portal/sharing/").content.decode()
    client.force_login(privacy_officer)
    assert label in client.get(f"/staff/privacy/emergency/{access.pk}/").content.decode()


# --- patients with no portal account ------------------------------------------------------------


def test_emergency_access_to_a_patient_without_an_account_says_so_and_makes_a_task(
    client, doctor, physician, privacy_officer
):
    patient = PatientFactory(legal_name="Thomas Whitfield", phone="+44 20 7946 0000")
    response = break_glass(doctor, patient)
    page = doctor.get(response["Location"]).content.decode()
    assert "has been told" not in page
    assert "no portal account" in page and "letter or phone" in page
    task = OutreachTask.objects.get()
    assert (task.kind, task.patient, task.emergency) == (
        OutreachKind.EMERGENCY_ACCESS,
        patient,
        EmergencyAccess.objects.get(),
    )
    assert not Notification.objects.filter(kind=NotificationKind.EMERGENCY_ACCESS).exists()

    client.force_login(privacy_officer)
    queue = client.get("/staff/privacy/emergency/").content.decode()
    assert "Patients to tell by letter or phone (1)" in queue
    assert "Thomas Whitfield" in queue and "+44 20 7946 0000" in queue
    done = client.post(
        f"/staff/privacy/outreach/{task.pk}/done/", {"method": "phone", "note": "Spoke to him"}
    )
    assert done.status_code == 302
    task.refresh_from_db()
    assert (task.method, task.done_by) == ("phone", privacy_officer) and task.done_at
    assert (
        "Patients to tell by letter or phone (0)"
        in client.get("/staff/privacy/emergency/").content.decode()
    )


def test_an_access_request_to_a_patient_without_an_account_makes_a_task(
    doctor, physician, privacy_officer
):
    patient = PatientFactory()
    response = doctor.post(
        "/staff/patients/requests/new/",
        {"mrn": patient.mrn, "scope": "record", "purpose": "treatment", "message": ""},
        follow=True,
    )
    page = response.content.decode()
    assert "has no portal account yet" in page and "was sent to" not in page
    task = OutreachTask.objects.get()
    assert task.kind == OutreachKind.ACCESS_REQUEST and task.access_request.patient == patient


@pytest.mark.parametrize("method", ["", "pigeon", "<b>phone</b>"])
def test_a_task_is_marked_done_only_with_how_the_patient_was_told(
    client, doctor, privacy_officer, method
):
    break_glass(doctor, PatientFactory())
    task = OutreachTask.objects.get()
    client.force_login(privacy_officer)
    client.post(f"/staff/privacy/outreach/{task.pk}/done/", {"method": method})
    task.refresh_from_db()
    assert task.done_at is None


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.FRONT_DESK, Role.ADMIN])
def test_only_privacy_officers_mark_tasks_done(client, doctor, role):
    break_glass(doctor, PatientFactory())
    task = OutreachTask.objects.get()
    client.force_login(StaffFactory(role=role))
    response = client.post(f"/staff/privacy/outreach/{task.pk}/done/", {"method": "phone"})
    assert response.status_code in (403, 404)
    task.refresh_from_db()
    assert task.done_at is None
