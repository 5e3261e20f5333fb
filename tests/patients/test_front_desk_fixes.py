"""The front desk can fix things: correct a patient's details (the patient is told what changed),
send the invitation again, and reset lost two-step verification after an in-person ID check."""

from __future__ import annotations

from datetime import date

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.models import Role
from notifications.models import Notification, NotificationKind
from patients.models import DetailsChange, IdentityDocument, Language, TwoStepReset
from tests.factories import OnboardingVisitFactory, PatientFactory, StaffFactory, add_totp


def edit_url(patient) -> str:
    return f"/staff/onboarding/patients/{patient.pk}/edit/"


def details(patient, **overrides) -> dict:
    data = {
        "legal_name": patient.legal_name,
        "preferred_name": patient.preferred_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "email": patient.email,
        "phone": patient.phone,
        "preferred_language": patient.preferred_language,
        "primary_physician": patient.primary_physician_id or "",
        "site": patient.site_id,
    }
    data.update(overrides)
    return data


# --- Changing details ---------------------------------------------------------------------------


def test_changing_details_tells_the_patient_which_ones_changed_not_the_values(
    desk, patient, front_desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(
            edit_url(patient), details(patient, phone="+44 20 7946 1111", preferred_name="Mia")
        )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.phone, patient.preferred_name) == ("+44 20 7946 1111", "Mia")
    change = DetailsChange.objects.get(patient=patient)
    assert change.fields == ["preferred name", "phone number"]
    assert change.changed_by == front_desk
    notice = Notification.objects.get(recipient=patient.user, kind=NotificationKind.GENERAL)
    assert "Sam Okafor at the front desk changed your details: preferred name, phone number" in (
        notice.message
    )
    assert "7946" not in notice.message
    assert len(mail.outbox) == 1
    assert "7946" not in mail.outbox[0].body
    page = desk.get(response["Location"], follow=True).content.decode()
    assert "has been told which details changed" in page
    assert "Sam Okafor changed preferred name, phone number" in page


def test_the_patient_sees_the_change_in_their_portal(client, desk, patient, patient_user):
    desk.post(edit_url(patient), details(patient, phone="+44 20 7946 2222"))
    client.force_login(patient_user)
    page = client.get("/portal/notifications/").content.decode()
    assert "changed your details: phone number" in page


def test_saving_without_changes_records_and_sends_nothing(desk, patient):
    response = desk.post(edit_url(patient), details(patient))
    assert response.status_code == 302
    assert not DetailsChange.objects.exists()
    assert not Notification.objects.filter(kind=NotificationKind.GENERAL).exists()


def test_patient_without_account_is_changed_and_the_page_says_nothing_was_sent(desk, db, site):
    patient = PatientFactory(site=site, email="old@example.org")
    response = desk.post(edit_url(patient), details(patient, email="new@example.org"), follow=True)
    patient.refresh_from_db()
    assert patient.email == "new@example.org"
    assert "has no portal account yet, so nothing was sent" in response.content.decode()
    assert not Notification.objects.filter(kind=NotificationKind.GENERAL).exists()


def test_changing_the_contact_email_does_not_change_the_sign_in_address(desk, patient):
    sign_in_address = patient.user.email
    desk.post(edit_url(patient), details(patient, email="elsewhere@example.org"))
    patient.refresh_from_db()
    patient.user.refresh_from_db()
    assert patient.email == "elsewhere@example.org"
    assert patient.user.email == sign_in_address


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("date_of_birth", "14/03/1984", "Enter a real date, for example"),
        ("date_of_birth", "2999-01-01", ""),
        ("email", "not an email", ""),
        ("legal_name", "<script>alert(1)</script>", ""),
        ("legal_name", "x" * 5000, ""),
        ("primary_physician", "999999", ""),
    ],
)
def test_bad_details_are_refused_on_the_form_and_change_nothing(
    desk, patient, field, value, message
):
    before = (patient.legal_name, patient.email, patient.date_of_birth)
    response = desk.post(edit_url(patient), details(patient, **{field: value}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the following" in page
    assert "<script>alert(1)</script>" not in page
    assert message in page
    patient.refresh_from_db()
    assert (patient.legal_name, patient.email, patient.date_of_birth) == before
    assert not DetailsChange.objects.exists()


def test_a_physician_as_primary_physician_only(desk, patient, privacy_officer):
    response = desk.post(edit_url(patient), details(patient, primary_physician=privacy_officer.pk))
    assert response.status_code == 200
    assert not DetailsChange.objects.exists()


@pytest.mark.parametrize("persona", ["physician", "privacy_officer", "patient_user"])
def test_only_the_front_desk_may_change_details(client, request, patient, persona):
    client.force_login(request.getfixturevalue(persona))
    before = patient.phone
    response = client.post(edit_url(patient), details(patient, phone="+44 1"))
    assert response.status_code in (302, 403, 404)
    patient.refresh_from_db()
    assert patient.phone == before


def test_unknown_patient_is_404(desk, db):
    assert desk.get("/staff/onboarding/patients/999999/edit/").status_code == 404


def test_edit_page_is_labelled_and_query_count_is_flat(
    desk, patient, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        page = desk.get(edit_url(patient)).content.decode()
    assert "<h1>Change details: Maria Santos</h1>" in page
    assert "Contact email address" in page


# --- Sending the invitation again ---------------------------------------------------------------


def test_invitation_is_sent_again_to_the_current_address(
    desk, db, site, django_capture_on_commit_callbacks
):
    visit = OnboardingVisitFactory(patient__site=site, patient__email="grace@example.org")
    patient = visit.patient
    desk.post(edit_url(patient), details(patient, email="grace.new@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(f"/staff/onboarding/patients/{patient.pk}/invitation/", follow=True)
    assert "The invitation is on its way to grace.new@example.org" in response.content.decode()
    assert [m.to for m in mail.outbox] == [["grace.new@example.org"]]
    assert Notification.objects.filter(
        kind=NotificationKind.ONBOARDING_INVITATION, subject_id=visit.pk
    ).exists()


def test_a_double_click_sends_one_invitation(desk, db, site, django_capture_on_commit_callbacks):
    visit = OnboardingVisitFactory(patient__site=site)
    url = f"/staff/onboarding/patients/{visit.patient.pk}/invitation/"
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(url)
        response = desk.post(url, follow=True)
    assert "The invitation was sent a moment ago" in response.content.decode()
    assert len(mail.outbox) == 1


def test_no_invitation_without_a_visit_to_come(desk, db, site):
    patient = PatientFactory(site=site)
    response = desk.post(f"/staff/onboarding/patients/{patient.pk}/invitation/", follow=True)
    assert "There is no first visit still to come" in response.content.decode()
    assert not Notification.objects.exists()


def test_resending_needs_post_and_the_front_desk(client, db, site, physician):
    visit = OnboardingVisitFactory(patient__site=site)
    url = f"/staff/onboarding/patients/{visit.patient.pk}/invitation/"
    client.force_login(physician)
    assert client.post(url).status_code in (403, 404)
    client.force_login(StaffFactory(role=Role.FRONT_DESK))
    assert client.get(url).status_code == 405
    assert not Notification.objects.exists()


# --- Resetting two-step verification ------------------------------------------------------------


CHECKED_IN_PERSON = {
    "document_type": IdentityDocument.PASSPORT,
    "photo_id_matches": "on",
    "patient_asked": "on",
}


def reset_url(patient) -> str:
    return f"/staff/onboarding/patients/{patient.pk}/two-step-reset/"


@pytest.fixture
def patient_with_two_step(patient):
    add_totp(patient.user)
    RecoveryCodes.activate(patient.user)
    return patient


def test_reset_after_an_in_person_id_check_removes_two_step_and_tells_the_patient(
    desk, patient_with_two_step, front_desk, django_capture_on_commit_callbacks
):
    patient = patient_with_two_step
    page = desk.get(f"/staff/onboarding/patients/{patient.pk}/").content.decode()
    assert "Reset lost two-step verification" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(
            reset_url(patient),
            CHECKED_IN_PERSON,
        )
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=patient.user).exists()
    reset = TwoStepReset.objects.get(patient=patient)
    assert (reset.identity_document, reset.reset_by) == (IdentityDocument.PASSPORT, front_desk)
    notice = Notification.objects.get(recipient=patient.user, kind=NotificationKind.GENERAL)
    assert "turned off two-step verification on your account" in notice.message
    assert "after checking your photo ID in person" in notice.message
    assert len(mail.outbox) == 1
    page = desk.get(response["Location"]).content.decode()
    assert "reset two-step verification after checking a passport in person" in page


@pytest.mark.parametrize(
    "data",
    [
        {"document_type": IdentityDocument.PASSPORT, "patient_asked": "on"},
        {"document_type": IdentityDocument.PASSPORT, "photo_id_matches": "on"},
        {"photo_id_matches": "on", "patient_asked": "on"},
        {"document_type": "<b>forged</b>", "photo_id_matches": "on", "patient_asked": "on"},
    ],
)
def test_no_reset_without_the_recorded_identity_check(desk, patient_with_two_step, data):
    response = desk.post(reset_url(patient_with_two_step), data)
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    assert Authenticator.objects.filter(user=patient_with_two_step.user).exists()
    assert not TwoStepReset.objects.exists()


def test_nothing_to_reset_says_so(desk, patient):
    response = desk.get(reset_url(patient), follow=True)
    assert "has no two-step verification to reset" in response.content.decode()
    assert "Reset lost two-step verification" not in response.content.decode()


@pytest.mark.parametrize("persona", ["physician", "privacy_officer", "other_patient_user"])
def test_only_the_front_desk_may_reset_two_step(client, request, patient_with_two_step, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(
        reset_url(patient_with_two_step),
        CHECKED_IN_PERSON,
    )
    assert response.status_code in (302, 403, 404)
    assert Authenticator.objects.filter(user=patient_with_two_step.user).exists()


def test_patient_can_sign_in_with_the_password_after_the_reset(client, desk, patient_with_two_step):
    desk.post(
        reset_url(patient_with_two_step),
        {**CHECKED_IN_PERSON, "document_type": IdentityDocument.NATIONAL_ID},
    )
    from tests.factories import DEFAULT_PASSWORD

    response = client.post(
        "/accounts/login/",
        {"login": patient_with_two_step.user.email, "password": DEFAULT_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] != "/accounts/2fa/authenticate/"
    assert "_auth_user_id" in client.session


def test_details_of_a_patient_registered_with_a_language(desk, db, site):
    patient = PatientFactory(site=site, preferred_language=Language.ENGLISH)
    desk.post(edit_url(patient), details(patient, date_of_birth="1984-03-14"))
    patient.refresh_from_db()
    assert patient.date_of_birth == date(1984, 3, 14)


def test_patient_page_query_count_stays_flat(
    desk, patient, front_desk, django_assert_max_num_queries
):
    for n in range(5):
        desk.post(edit_url(patient), details(patient, phone=f"+44 20 7946 00{n:02d}"))
    with CaptureQueriesContext(connection) as few:
        first = desk.get(f"/staff/onboarding/patients/{patient.pk}/")
    assert first.status_code == 200
    budget = len(few.captured_queries)  # read now: the next request clears Django's query log
    assert 0 < budget <= 20
    for n in range(5, 15):
        desk.post(edit_url(patient), details(patient, phone=f"+44 20 7946 00{n:02d}"))
    with django_assert_max_num_queries(budget):
        page = desk.get(f"/staff/onboarding/patients/{patient.pk}/").content.decode()
    assert page.count("changed phone number") == 10  # the newest ten
