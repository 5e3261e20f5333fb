"""Appointments after the first visit: the front desk books and cancels them; the patient sees
when, where and with whom in the portal, and is told of each change without those details."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clinic.models import Role
from notifications.models import Notification, NotificationKind
from patients.models import Appointment, AppointmentKind, AppointmentStatus
from tests.factories import OnboardingVisitFactory, PatientFactory, StaffFactory
from tests.factories.onboarding import slot

pytestmark = pytest.mark.django_db


def book_url(patient) -> str:
    return f"/staff/onboarding/patients/{patient.pk}/appointments/new/"


def form(site, physician, *, days_ahead=3, time="10:00", kind=AppointmentKind.FOLLOW_UP) -> dict:
    day = timezone.localdate() + timedelta(days=days_ahead)
    return {
        "site": site.pk,
        "date": day.isoformat(),
        "time": time,
        "with_staff": physician.pk,
        "kind": kind,
    }


def book(patient, site, physician, by, *, days_ahead=3, index=4) -> Appointment:
    return Appointment.objects.create(
        patient=patient,
        site=site,
        starts_at=slot(days_ahead=days_ahead, index=index),
        with_staff=physician,
        kind=AppointmentKind.CHECK_UP,
        booked_by=by,
    )


def test_front_desk_books_an_appointment_and_the_patient_is_told_without_details(
    desk, patient, site, physician
):
    response = desk.post(book_url(patient), form(site, physician))
    assert response.status_code == 302
    appointment = Appointment.objects.get(patient=patient)
    assert appointment.with_staff == physician
    assert appointment.status == AppointmentStatus.BOOKED
    assert timezone.localtime(appointment.starts_at).hour == 10
    notice = Notification.objects.get(recipient=patient.user, kind=NotificationKind.GENERAL)
    assert "booked an appointment for you on" in notice.message
    assert "Sign in to see where and with whom." in notice.message
    assert physician.display_name not in notice.message
    assert site.name not in notice.message
    assert notice.link == "/portal/appointments/"
    page = desk.get(f"/staff/onboarding/patients/{patient.pk}/").content.decode()
    assert "Follow-up visit" in page and "Dr A. Rivera" in page


def test_the_patient_sees_when_where_and_with_whom(client, patient, site, physician, front_desk):
    book(patient, site, physician, front_desk)
    client.force_login(patient.user)
    page = client.get("/portal/appointments/").content.decode()
    assert "Check-up at Riverside Health Centre" in page
    assert "with Dr A. Rivera" in page
    home = client.get("/portal/").content.decode()
    assert "Your next appointment:" in home
    assert "Riverside Health Centre, with Dr A. Rivera" in home


def test_a_patient_never_sees_another_patients_appointments(
    client, patient, other_patient, site, physician, front_desk
):
    book(other_patient, site, physician, front_desk)
    client.force_login(patient.user)
    page = client.get("/portal/appointments/").content.decode()
    assert "You have no appointments booked." in page
    assert "Check-up" not in page
    assert "You have no appointments booked." in client.get("/portal/").content.decode()


def test_the_first_visit_is_shown_with_its_place_and_person(client, patient, site):
    OnboardingVisitFactory(patient=patient, site=site, staff_member__display_name="Sam Okafor")
    client.force_login(patient.user)
    page = client.get("/portal/appointments/").content.decode()
    assert "Your first visit" in page
    assert "with Sam Okafor: scheduled" in page


def test_cancelling_tells_the_patient_and_the_page_says_cancelled(
    desk, client, patient, site, physician, front_desk
):
    appointment = book(patient, site, physician, front_desk)
    response = desk.post(f"/staff/onboarding/appointments/{appointment.pk}/cancel/")
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancelled_by == front_desk
    notice = Notification.objects.get(recipient=patient.user)
    assert "cancelled your appointment of" in notice.message
    # Cancelling twice changes nothing and tells nobody twice.
    desk.post(f"/staff/onboarding/appointments/{appointment.pk}/cancel/")
    assert Notification.objects.filter(recipient=patient.user).count() == 1
    client.force_login(patient.user)
    page = client.get("/portal/appointments/").content.decode()
    assert "(cancelled)" in page
    assert "You have no appointments booked." in page


def test_a_double_submit_books_once(desk, patient, site, physician):
    data = form(site, physician)
    desk.post(book_url(patient), data)
    desk.post(book_url(patient), data)
    assert Appointment.objects.filter(patient=patient).count() == 1
    assert Notification.objects.filter(recipient=patient.user).count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"days_ahead": -1}, "That day has passed."),
        ({"time": "10:15"}, "Select a valid choice."),
        ({"kind": "<script>alert(1)</script>"}, "Select a valid choice."),
        ({"days_ahead": 800}, "up to a year ahead"),
    ],
)
def test_bad_input_is_refused_on_the_form_and_books_nothing(
    desk, patient, site, physician, overrides, message
):
    response = desk.post(book_url(patient), form(site, physician, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Appointment.objects.exists()


def test_hostile_and_wrong_typed_ids_are_refused(desk, patient, site, physician):
    data = form(site, physician)
    data.update(with_staff="1 OR 1=1", site="<b>x</b>")
    response = desk.post(book_url(patient), data)
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not Appointment.objects.exists()


def test_a_person_cannot_be_booked_twice_in_one_slot(desk, patient, other_patient, site, physician):
    desk.post(book_url(other_patient), form(site, physician))
    response = desk.post(book_url(patient), form(site, physician))
    assert response.status_code == 200
    assert "already has a visit at this time" in response.content.decode()
    assert not Appointment.objects.filter(patient=patient).exists()


def test_only_physicians_and_the_front_desk_can_be_seen(desk, patient, site, privacy_officer):
    response = desk.post(book_url(patient), form(site, privacy_officer))
    assert response.status_code == 200
    assert not Appointment.objects.exists()


def test_a_past_appointment_cannot_be_cancelled(desk, patient, site, physician, front_desk):
    appointment = book(patient, site, physician, front_desk)
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )
    response = desk.post(f"/staff/onboarding/appointments/{appointment.pk}/cancel/", follow=True)
    assert "already started or passed" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.PRIVACY_OFFICER])
def test_other_staff_cannot_book_or_cancel(client, patient, site, physician, front_desk, role):
    appointment = book(patient, site, physician, front_desk)
    staff = StaffFactory(role=role, site=site)
    client.force_login(staff)
    assert client.get(book_url(patient)).status_code == 403
    assert client.post(book_url(patient), form(site, physician)).status_code == 403
    response = client.post(f"/staff/onboarding/appointments/{appointment.pk}/cancel/")
    assert response.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_patients_cannot_use_the_front_desk_pages(client, patient, site, physician, front_desk):
    appointment = book(patient, site, physician, front_desk)
    client.force_login(patient.user)
    assert client.post(book_url(patient), form(site, physician)).status_code == 403
    response = client.post(f"/staff/onboarding/appointments/{appointment.pk}/cancel/")
    assert response.status_code in (403, 404)
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED


def test_an_unknown_appointment_is_404(desk):
    assert desk.post("/staff/onboarding/appointments/999999/cancel/").status_code == 404


def test_a_patient_without_an_account_is_not_notified(desk, site, physician):
    walk_in = PatientFactory(site=site)
    desk.post(book_url(walk_in), form(site, physician))
    assert Appointment.objects.filter(patient=walk_in).exists()
    assert not Notification.objects.exists()


def test_the_appointments_page_query_count_is_flat(
    client, patient, site, physician, front_desk, django_assert_max_num_queries
):
    for index in range(8):
        book(patient, site, physician, front_desk, index=index)
    client.force_login(patient.user)
    client.get("/portal/appointments/")
    with django_assert_max_num_queries(8):
        assert client.get("/portal/appointments/").status_code == 200


def test_a_spanish_speaking_patient_reads_the_day_in_spanish(
    client, patient, site, physician, front_desk
):
    appointment = book(patient, site, physician, front_desk)
    patient.preferred_language = "es"
    patient.save(update_fields=["preferred_language"])
    client.force_login(patient.user)
    page = client.get("/portal/appointments/").content.decode()
    local = timezone.localtime(appointment.starts_at)
    months = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto"]
    months += ["septiembre", "octubre", "noviembre", "diciembre"]
    assert f"{local.day} de {months[local.month - 1]} de {local.year}, {local:%H:%M}" in page
