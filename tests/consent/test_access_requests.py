"""A physician asks for access; the patient approves (perhaps for less) or declines; both see it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from consent import services
from consent.models import AccessRequest, ConsentGrant, GivenVia, Purpose, RequestStatus, Scope
from notifications.models import Notification, NotificationKind
from patients.models import RecordCategory
from tests.support.record import MARIA_ENTRIES

HEALTH_WORDS = [title for _c, title, _b, _s in MARIA_ENTRIES.values()] + [
    body for _c, _t, body, _s in MARIA_ENTRIES.values()
]


@pytest.fixture
def doctor(physician) -> Client:
    client = Client()
    client.force_login(physician)
    return client


@pytest.fixture
def maria(patient_user) -> Client:
    client = Client()
    client.force_login(patient_user)
    return client


def ask(doctor: Client, patient, **overrides):
    data = {
        "mrn": patient.mrn,
        "scope": Scope.RECORD,
        "category": "",
        "purpose": Purpose.TREATMENT,
        "purpose_other": "",
        "message": "I am your new cardiologist and would like to review your history.",
    }
    data.update(overrides)
    return doctor.post("/staff/patients/requests/new/", data)


def answer(maria: Client, access_request, **data):
    return maria.post(f"/portal/sharing/requests/{access_request.pk}/", data)


@pytest.fixture
def pending(doctor, record, patient) -> AccessRequest:
    assert ask(doctor, patient).status_code == 302
    return AccessRequest.objects.get()


def assert_no_health_data(text: str) -> None:
    for word in HEALTH_WORDS:
        assert word not in text


# --- finding the patient and asking -------------------------------------------------------------


def test_physician_finds_patient_by_mrn_without_seeing_the_record(doctor, record, patient):
    spaced = " ".join([patient.mrn[:4].lower(), patient.mrn[4:].lower()])
    response = doctor.post("/staff/patients/find/", {"mrn": spaced})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Maria Santos, born {patient.date_of_birth:%-d %B %Y}" in page
    assert "Ask for access" in page and "Emergency access" in page
    assert "already shares their record with you" not in page
    assert_no_health_data(page)


def test_unknown_mrn_says_so(doctor, record):
    response = doctor.post("/staff/patients/find/", {"mrn": "RZZZZZZZZ"})
    assert response.status_code == 200
    assert "No patient has this MRN. Please check it." in response.content.decode()


def test_request_is_written_and_shown_to_both_sides(doctor, maria, record, patient, physician):
    response = ask(doctor, patient, scope=Scope.CATEGORY, category=RecordCategory.LAB_RESULT)
    assert response.status_code == 302
    assert response["Location"] == "/staff/patients/requests/"
    access_request = AccessRequest.objects.get()
    assert (access_request.patient, access_request.physician) == (patient, physician)
    assert (access_request.scope, access_request.category) == (Scope.CATEGORY, "lab_result")
    assert access_request.status == RequestStatus.PENDING
    assert not ConsentGrant.objects.exists()

    staff_page = doctor.get("/staff/patients/requests/").content.decode()
    assert "Your request was sent to Maria Santos." in staff_page
    assert "One category: Lab result, for treatment" in staff_page
    assert "Waiting for the patient" in staff_page

    portal = maria.get("/portal/sharing/").content.decode()
    assert "Dr A. Rivera asks to see your lab results for treatment" in portal
    assert f"/portal/sharing/requests/{access_request.pk}/" in portal


def test_patient_is_notified_of_a_request_without_health_data(
    doctor, record, patient, patient_user
):
    ask(doctor, patient, message="About your Cholesterol panel")
    note = Notification.objects.get(recipient=patient_user)
    assert note.kind == NotificationKind.ACCESS_REQUEST
    assert note.link == "/portal/sharing/"
    assert note.message.startswith("Dr A. Rivera asked to see part of your record on ")
    assert_no_health_data(note.message)
    assert "Cholesterol" not in note.message


def test_request_page_shows_the_physicians_message(maria, pending):
    page = maria.get(f"/portal/sharing/requests/{pending.pk}/").content.decode()
    assert "Dr A. Rivera asks to see your record" in page
    assert "I am your new cardiologist" in page
    assert "Your whole record" in page


def test_duplicate_pending_request_is_refused(doctor, record, patient, pending):
    response = ask(doctor, patient)
    assert response.status_code == 200
    assert "You already have a request waiting for this patient&#x27;s answer." in (
        response.content.decode()
    )
    assert AccessRequest.objects.count() == 1


def test_new_request_is_allowed_once_the_last_was_answered(doctor, maria, record, patient, pending):
    answer(maria, pending, decision="decline")
    assert ask(doctor, patient).status_code == 302
    assert AccessRequest.objects.count() == 2


def test_service_refuses_a_duplicate_pending_request(record, patient, physician, pending):
    with pytest.raises(ValidationError):
        services.request_access(
            physician=physician, patient=patient, scope=Scope.RECORD, purpose=Purpose.TREATMENT
        )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"scope": Scope.CATEGORY}, "Choose which category you need."),
        ({"scope": Scope.ENTRY}, "Select a valid choice."),
        ({"purpose": Purpose.OTHER}, "Please say what the access is for."),
        ({"message": "x" * 10_000}, "at most 2000 characters"),
        ({"purpose_other": "y" * 10_000, "purpose": Purpose.OTHER}, "at most 200 characters"),
        ({"category": "<script>", "scope": Scope.CATEGORY}, "Select a valid choice."),
    ],
)
def test_bad_request_input_is_refused(doctor, record, patient, overrides, message):
    response = ask(doctor, patient, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_request_for_an_unknown_mrn_is_404(doctor, record):
    response = doctor.post(
        "/staff/patients/requests/new/",
        {"mrn": "RNOTAREAL", "scope": "record", "purpose": "treatment"},
    )
    assert response.status_code == 404
    assert not AccessRequest.objects.exists()


def test_html_in_the_message_is_shown_as_text(doctor, maria, record, patient):
    ask(doctor, patient, message="<script>alert('hi')</script>")
    page = maria.get(f"/portal/sharing/requests/{AccessRequest.objects.get().pk}/").content
    assert b"<script>alert" not in page
    assert b"&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt;" in page


def test_front_desk_cannot_ask_for_access(client, record, patient, front_desk):
    client.force_login(front_desk)
    response = client.post(
        "/staff/patients/requests/new/",
        {"mrn": patient.mrn, "scope": "record", "purpose": "treatment"},
    )
    assert response.status_code == 403
    assert not AccessRequest.objects.exists()


# --- the patient's answer -----------------------------------------------------------------------


def test_approving_as_asked_creates_the_grant(
    doctor, maria, record, patient, patient_user, physician, pending
):
    assert doctor.get(f"/staff/patients/{patient.pk}/").status_code == 404
    response = answer(maria, pending, decision="approve", scope=Scope.RECORD)
    assert response.status_code == 302
    given = ConsentGrant.objects.get()
    assert (given.grantee_user, given.scope, given.purpose) == (
        physician,
        Scope.RECORD,
        "treatment",
    )
    assert given.given_via == GivenVia.ACCESS_REQUEST
    assert given.access_request == pending
    assert given.recorded_by == patient_user
    pending.refresh_from_db()
    assert pending.status == RequestStatus.APPROVED and pending.decided_at is not None

    portal = maria.get("/portal/sharing/").content.decode()
    assert "Approved. Dr A. Rivera can see your whole record for treatment" in portal
    assert "Requests waiting for your answer" not in portal
    assert "Approved request" in portal  # how the grant was given

    record_page = doctor.get(f"/staff/patients/{patient.pk}/")
    assert record_page.status_code == 200
    assert "Cholesterol panel" in record_page.content.decode()
    assert "Approved on" in doctor.get("/staff/patients/requests/").content.decode()


def test_physician_is_notified_of_the_approval_without_health_data(
    maria, record, physician, pending
):
    answer(maria, pending, decision="approve", scope=Scope.RECORD)
    note = Notification.objects.get(recipient=physician)
    assert note.kind == NotificationKind.REQUEST_DECIDED
    assert note.message.startswith("Maria Santos approved your access request on ")
    assert note.link == "/staff/patients/requests/"
    assert_no_health_data(note.message)


def test_patient_narrows_a_whole_record_request_to_one_category(
    doctor, maria, record, patient, pending
):
    response = answer(
        maria,
        pending,
        decision="approve",
        scope=Scope.CATEGORY,
        category=RecordCategory.LAB_RESULT,
    )
    assert response.status_code == 302
    given = ConsentGrant.objects.get()
    assert (given.scope, given.category) == (Scope.CATEGORY, "lab_result")
    page = doctor.get(f"/staff/patients/{patient.pk}/").content.decode()
    assert "Cholesterol panel" in page
    assert "Knee pain follow-up" not in page and "Discharge letter" not in page


def test_approval_with_an_end_date(maria, record, pending):
    last_day = timezone.localdate() + dt.timedelta(days=30)
    answer(maria, pending, decision="approve", scope=Scope.RECORD, ends_on=last_day.isoformat())
    given = ConsentGrant.objects.get()
    assert timezone.localtime(given.expires_at).date() == last_day + dt.timedelta(days=1)
    assert f"until {last_day:%-d %B %Y}" in maria.get("/portal/sharing/").content.decode()


def test_approval_with_an_end_date_in_the_past_is_refused(maria, record, pending):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = answer(
        maria, pending, decision="approve", scope=Scope.RECORD, ends_on=yesterday.isoformat()
    )
    assert response.status_code == 200
    assert "The end date cannot be in the past." in response.content.decode()
    assert not ConsentGrant.objects.exists()
    pending.refresh_from_db()
    assert pending.status == RequestStatus.PENDING


def test_approval_without_a_scope_is_refused(maria, record, pending):
    response = answer(maria, pending, decision="approve")
    assert response.status_code == 200
    assert "Choose what to share." in response.content.decode()
    assert not ConsentGrant.objects.exists()


@pytest.fixture
def category_request(doctor, record, patient) -> AccessRequest:
    ask(doctor, patient, scope=Scope.CATEGORY, category=RecordCategory.LAB_RESULT)
    return AccessRequest.objects.get()


@pytest.mark.parametrize(
    "wider",
    [
        {"scope": Scope.RECORD},
        {"scope": Scope.CATEGORY, "category": RecordCategory.VISIT_NOTE},
    ],
)
def test_a_category_request_cannot_be_widened(maria, category_request, wider):
    response = answer(maria, category_request, decision="approve", **wider)
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not ConsentGrant.objects.exists()
    category_request.refresh_from_db()
    assert category_request.status == RequestStatus.PENDING


@pytest.mark.parametrize(
    ("scope", "category"),
    [(Scope.RECORD, ""), (Scope.CATEGORY, RecordCategory.VISIT_NOTE), (Scope.ENTRY, "")],
)
def test_service_refuses_to_widen_a_category_request(
    patient_user, category_request, scope, category
):
    with pytest.raises(ValidationError):
        services.approve_access_request(
            access_request=category_request, decided_by=patient_user, scope=scope, category=category
        )
    assert not ConsentGrant.objects.exists()


def test_a_category_request_approved_as_asked(doctor, maria, record, patient, category_request):
    response = answer(
        maria,
        category_request,
        decision="approve",
        scope=Scope.CATEGORY,
        category=RecordCategory.LAB_RESULT,
    )
    assert response.status_code == 302
    given = ConsentGrant.objects.get()
    assert (given.scope, given.category) == (Scope.CATEGORY, "lab_result")


def test_declining_tells_the_physician_and_grants_nothing(
    doctor, maria, record, patient, physician, pending
):
    response = answer(maria, pending, decision="decline", note="I prefer my own GP.")
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == RequestStatus.DECLINED
    assert pending.decision_note == "I prefer my own GP."
    assert not ConsentGrant.objects.exists()

    portal = maria.get("/portal/sharing/").content.decode()
    assert "You declined. Dr A. Rivera will be told." in portal
    assert "Dr A. Rivera asked to see your whole record on" in portal
    assert "<strong>Declined</strong>" in portal

    staff_page = doctor.get("/staff/patients/requests/").content.decode()
    assert "Declined on" in staff_page and "I prefer my own GP." in staff_page
    note = Notification.objects.get(recipient=physician)
    assert note.message.startswith("Maria Santos declined your access request on ")
    assert doctor.get(f"/staff/patients/{patient.pk}/").status_code == 404


@pytest.mark.parametrize("second", ["approve", "decline"])
def test_answering_twice_changes_nothing(maria, record, pending, second):
    answer(maria, pending, decision="decline", note="No")
    response = answer(maria, pending, decision=second, scope=Scope.RECORD, note="Changed mind")
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == RequestStatus.DECLINED and pending.decision_note == "No"
    assert not ConsentGrant.objects.exists()
    assert "You have already answered this request." in (
        maria.get("/portal/sharing/").content.decode()
    )


def test_service_refuses_a_second_answer(patient_user, record, pending):
    services.approve_access_request(
        access_request=pending, decided_by=patient_user, scope=Scope.RECORD
    )
    with pytest.raises(ValidationError):
        services.decline_access_request(access_request=pending)
    assert ConsentGrant.objects.count() == 1


def test_unknown_decision_is_refused(maria, record, pending):
    response = answer(maria, pending, decision="maybe")
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == RequestStatus.PENDING


def test_physician_sees_only_their_own_requests(client, record, patient, other_physician, pending):
    client.force_login(other_physician)
    page = client.get("/staff/patients/requests/").content.decode()
    assert "Maria Santos" not in page
    assert "You have not sent any access request." in page


def test_request_emails_carry_no_health_data(
    doctor, record, patient, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        ask(doctor, patient, message="Re: Cholesterol panel and counselling")
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["maria@example.org"]
    assert_no_health_data(email.subject + email.body)
    assert "counselling" not in email.body.lower()
