"""No user input reaches a 500: every form's date and number fields, fed boundary and hostile
values (hypothesis), answer with the page and a clear message, and change nothing they refuse."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clinic.models import Role
from consent import services as consent_services
from consent.models import ConsentGrant, Purpose, Scope
from patients.models import Patient, RecordCategory
from tests.factories import PatientFactory, RecordEntryFactory, StaffFactory, grant
from tests.factories.education import ArticleFactory, AssignmentFactory
from tests.factories.onboarding import OnboardingVisitFactory, slot

DATE_TEXTS = st.sampled_from(
    [
        "9999-12-31",
        "0001-01-01",
        "1899-12-31",
        "2101-01-01",
        "2026-02-30",
        "2026-13-01",
        "99999-01-01",
        "-2026-01-01",
        "2026-1-1",
        "31/12/2026",
        "",
        " ",
        "<script>alert(1)</script>",
        "1" * 500,
        "2026-03-14\x00",
        "NaN",
    ]
)
NUMBER_TEXTS = st.one_of(
    st.sampled_from(["-1", "0", "1e309", "NaN", "9" * 40, "", "<b>1</b>", "1.5", "٣"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
ANY_DATE = st.one_of(DATE_TEXTS, st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat))

FAST = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(db, client, site, patient_user, patient, physician, front_desk):
    patient.primary_physician = physician
    patient.save()
    grant(patient, physician, scope=Scope.RECORD)
    RecordEntryFactory(patient=patient, author=physician, category=RecordCategory.LAB_RESULT)
    other_physician = StaffFactory(role=Role.PHYSICIAN, display_name="Dr B. Other")
    request = consent_services.request_access(
        physician=other_physician, patient=patient, scope=Scope.RECORD, purpose=Purpose.TREATMENT
    )
    to_book = PatientFactory(site=site)
    visit = OnboardingVisitFactory(staff_member=front_desk, starts_at=slot(days_ahead=3))
    assignment = AssignmentFactory(
        article=ArticleFactory(author=physician, status="published"),
        patient=patient,
        assigned_by=physician,
    )
    return {
        "patient": patient,
        "patient_user": patient_user,
        "physician": physician,
        "front_desk": front_desk,
        "request": request,
        "to_book": to_book,
        "visit": visit,
        "assignment": assignment,
        "site": site,
    }


def _no_server_error(client, user, method: str, url: str, data: dict) -> None:
    client.force_login(user)
    response = getattr(client, method)(url, data)
    assert response.status_code < 500, f"{method.upper()} {url} {data!r}"


@FAST
@given(day=ANY_DATE, page=NUMBER_TEXTS, person=NUMBER_TEXTS)
@example(day="9999-12-31", page="1", person="")
@example(day="0001-01-01", page="9" * 40, person="-1")
def test_access_log_filters(client, world, day, page, person):
    for field in ("date_from", "date_to"):
        _no_server_error(
            client,
            world["patient_user"],
            "get",
            "/portal/access-log/",
            {field: day, "page": page, "person": person},
        )


@FAST
@given(starts=ANY_DATE, ends=ANY_DATE)
@example(starts="2026-12-02", ends="9999-12-31")
def test_sharing_form_dates(client, world, starts, ends):
    data = {
        "grantee": f"user:{world['physician'].pk}",
        "scope": "record",
        "purpose": "treatment",
        "starts_on": starts,
        "ends_on": ends,
    }
    _no_server_error(client, world["patient_user"], "post", "/portal/sharing/new/", data)


@FAST
@given(ends=ANY_DATE)
@example(ends="9999-12-31")
@example(ends="0001-01-01")
def test_request_answer_end_date(client, world, ends):
    url = f"/portal/sharing/requests/{world['request'].pk}/"
    data = {"decision": "approve", "scope": "record", "ends_on": ends}
    _no_server_error(client, world["patient_user"], "post", url, data)


@FAST
@given(day=ANY_DATE)
@example(day="9999-12-31")
@example(day="0001-01-01")
def test_new_record_entry_date(client, world, day):
    url = f"/staff/patients/{world['patient'].pk}/entries/new/"
    data = {"category": "lab_result", "title": "HbA1c", "recorded_on": day}
    _no_server_error(client, world["physician"], "post", url, data)


@FAST
@given(day=ANY_DATE)
@example(day="9999-12-31")
@example(day="0001-01-01")
def test_registration_date_of_birth(client, world, day):
    data = {
        "legal_name": "Ana Lima",
        "date_of_birth": day,
        "email": "ana@example.org",
        "preferred_language": "en",
        "site": world["site"].pk,
    }
    _no_server_error(client, world["front_desk"], "post", "/staff/onboarding/patients/new/", data)


@FAST
@given(day=ANY_DATE)
@example(day="9999-12-31")
@example(day="0001-01-01")
def test_booking_and_moving_dates(client, world, day):
    data = {
        "site": world["site"].pk,
        "date": day,
        "time": "10:00",
        "staff_member": world["front_desk"].pk,
    }
    desk = world["front_desk"]
    _no_server_error(
        client, desk, "post", f"/staff/onboarding/patients/{world['to_book'].pk}/schedule/", data
    )
    _no_server_error(
        client, desk, "post", f"/staff/onboarding/visits/{world['visit'].pk}/reschedule/", data
    )
    _no_server_error(client, desk, "get", "/staff/onboarding/", {"date": day})


@FAST
@given(day=ANY_DATE)
@example(day="9999-12-31")
@example(day="0001-01-01")
def test_activation_date_of_birth(client, world, day):
    client.logout()
    response = client.post("/activate/", {"code": "ABCD-EFGH-JKMN", "date_of_birth": day})
    assert response.status_code < 500


@FAST
@given(number=NUMBER_TEXTS)
@example(number="9" * 40)
@example(number=str(2**63))
def test_number_fields(client, world, number):
    user = world["patient_user"]
    _no_server_error(client, user, "post", "/portal/feedback/concern/", {"event": number})
    _no_server_error(client, user, "get", "/portal/feedback/concern/", {"event": number})
    url = f"/portal/education/{world['assignment'].pk}/rate/"
    _no_server_error(client, user, "post", url, {"helpful": number})
    for page_url in ("/portal/notifications/", "/portal/access-log/"):
        _no_server_error(client, user, "get", page_url, {"page": number})
    _no_server_error(client, world["physician"], "get", "/staff/patients/", {"page": number})


def test_a_far_end_date_gets_a_clear_message_and_shares_nothing(client, world):
    before = ConsentGrant.objects.count()
    client.force_login(world["patient_user"])
    response = client.post(
        "/portal/sharing/new/",
        {
            "grantee": f"user:{world['physician'].pk}",
            "scope": "record",
            "purpose": "treatment",
            "starts_on": "2026-12-02",
            "ends_on": "9999-12-31",
        },
    )
    assert response.status_code == 200
    assert "Enter a date between 1900 and 2100." in response.content.decode()
    assert ConsentGrant.objects.count() == before


def test_a_far_date_in_the_access_log_filter_is_explained(client, world):
    client.force_login(world["patient_user"])
    response = client.get("/portal/access-log/", {"date_to": "9999-12-31"})
    assert response.status_code == 200
    assert "Enter a date between 1900 and 2100." in response.content.decode()


@pytest.mark.parametrize(
    "email",
    ['"<script>alert(1)</script>"@example.org', "ana<b>@example.org", '"a b"@example.org'],
)
def test_email_addresses_with_markup_are_refused_like_names(client, world, email):
    before = Patient.objects.count()
    client.force_login(world["front_desk"])
    response = client.post(
        "/staff/onboarding/patients/new/",
        {
            "legal_name": "Ana Lima",
            "date_of_birth": "1990-05-01",
            "email": email,
            "preferred_language": "en",
            "site": world["site"].pk,
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "without spaces, quotes, brackets" in page or "Enter a valid email address" in page
    assert Patient.objects.count() == before
