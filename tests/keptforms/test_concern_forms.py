"""A patient's concern, a message on it, and the privacy officers' grievance forms keep what was
typed when the session ends (issue 15; keptforms/)."""

from __future__ import annotations

from django.test import Client

from accesslog.models import AccessAction, AccessBasis, AccessTarget
from feedback.models import Grievance, GrievanceEntry
from keptforms.models import KeptForm
from tests.factories import ProxyAccessFactory, concern
from tests.keptforms.support import (
    ASKED_TO_SIGN_IN,
    KEPT,
    browser_on,
    csrf,
    end_session_on_server,
    go_idle,
    sign_in_with_password,
)
from tests.support.access_log import append_event

CONCERN = "/portal/feedback/concern/"
WORRY = "A receptionist I know at work looked at my notes on Tuesday."


def test_concern_typed_before_the_idle_sign_out_is_there_after_signing_in(patient_user):
    client = browser_on(patient_user, CONCERN)
    go_idle(client)
    response = client.post(CONCERN, {**csrf(client), "description": WORRY, "event": ""})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={CONCERN}"
    login_page = client.get(response["Location"]).content.decode()
    assert ASKED_TO_SIGN_IN in login_page
    assert "Nothing has been sent." in login_page
    assert not Grievance.objects.exists()

    page = sign_in_with_password(client, patient_user, CONCERN).content.decode()
    assert KEPT in page
    assert WORRY in page
    assert not Grievance.objects.exists(), "nothing is sent on their behalf"
    assert WORRY not in client.get(CONCERN).content.decode(), "given back once"


def test_concern_posted_after_the_session_ended_on_the_server_is_kept(patient_user):
    client = browser_on(patient_user, CONCERN)
    end_session_on_server()
    response = client.post(CONCERN, {**csrf(client), "description": WORRY})
    assert response["Location"] == f"/accounts/login/?next={CONCERN}"
    page = sign_in_with_password(client, patient_user, CONCERN).content.decode()
    assert KEPT in page and WORRY in page
    assert not Grievance.objects.exists()


def test_someone_else_signing_in_in_that_browser_gets_nothing(patient_user, other_patient_user):
    client = browser_on(patient_user, CONCERN)
    go_idle(client)
    client.post(CONCERN, {**csrf(client), "description": WORRY})
    page = sign_in_with_password(client, other_patient_user, CONCERN).content.decode()
    assert WORRY not in page and KEPT not in page
    assert not KeptForm.objects.exists(), "the kept concern is dropped at their sign-in"
    client.force_login(patient_user)
    assert WORRY not in client.get(CONCERN).content.decode()


def test_another_browser_signing_in_as_the_same_patient_gets_nothing(patient_user):
    client = browser_on(patient_user, CONCERN)
    go_idle(client)
    client.post(CONCERN, {**csrf(client), "description": WORRY})
    elsewhere = Client()
    elsewhere.force_login(patient_user)
    assert WORRY not in elsewhere.get(CONCERN).content.decode()
    assert KeptForm.objects.count() == 1


def _look(patient, by):
    return append_event(
        patient=patient,
        actor=by,
        action=AccessAction.VIEW,
        target=AccessTarget.RECORD,
        basis=AccessBasis.GRANT,
        purpose="treatment",
    )


def test_i_dont_recognise_this_keeps_the_event_and_the_text(patient_user, patient, physician):
    event = _look(patient, physician)
    client = browser_on(patient_user, f"{CONCERN}?event={event.pk}")
    go_idle(client)
    client.post(CONCERN, {**csrf(client), "description": WORRY, "event": event.pk})
    page = sign_in_with_password(client, patient_user, CONCERN).content.decode()
    assert WORRY in page
    assert f'name="event" value="{event.pk}"' in page
    assert not Grievance.objects.exists()


def test_someone_elses_event_is_not_brought_back(patient_user, other_patient, physician):
    theirs = _look(other_patient, physician)
    client = browser_on(patient_user, CONCERN)
    go_idle(client)
    client.post(CONCERN, {**csrf(client), "description": WORRY, "event": theirs.pk})
    response = sign_in_with_password(client, patient_user, CONCERN)
    assert response.status_code == 200
    page = response.content.decode()
    assert WORRY in page
    assert f'value="{theirs.pk}"' not in page


def test_a_huge_event_id_is_no_error(patient_user):
    client = browser_on(patient_user, CONCERN)
    go_idle(client)
    client.post(CONCERN, {**csrf(client), "description": WORRY, "event": "9" * 40})
    response = sign_in_with_password(client, patient_user, CONCERN)
    assert response.status_code == 200
    assert WORRY in response.content.decode()


def test_hostile_concern_text_comes_back_escaped(patient_user):
    client = browser_on(patient_user, CONCERN)
    go_idle(client)
    hostile = "</textarea><script>alert('x')</script>"
    client.post(CONCERN, {**csrf(client), "description": hostile})
    page = sign_in_with_password(client, patient_user, CONCERN).content.decode()
    assert "<script>alert('x')</script>" not in page
    assert "&lt;/textarea&gt;&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_a_message_on_a_concern_is_kept(patient_user, patient):
    grievance = concern(patient)
    page_url = f"/portal/feedback/concerns/{grievance.pk}/"
    client = browser_on(patient_user, page_url)
    go_idle(client)
    response = client.post(page_url, {**csrf(client), "text": "I remembered the date: 4 May."})
    assert response["Location"] == f"/accounts/login/?next={page_url}"
    entries = GrievanceEntry.objects.count()
    page = sign_in_with_password(client, patient_user, page_url).content.decode()
    assert KEPT in page and "I remembered the date: 4 May." in page
    assert GrievanceEntry.objects.count() == entries


def test_a_carers_concern_comes_back_only_while_acting_for_the_same_person(db):
    access = ProxyAccessFactory()
    carer = access.proxy.user
    client = browser_on(carer, "/portal/acting-for/")
    client.post("/portal/acting-for/", {**csrf(client), "person": str(access.patient_id)})
    go_idle(client)
    client.post(CONCERN, {**csrf(client), "description": WORRY})
    # Signed in again, the carer is looking at their own record: not given back there.
    page = sign_in_with_password(client, carer, CONCERN).content.decode()
    assert WORRY not in page
    assert "while you were looking at a different person" in page
    # Acting for the same person again, it is.
    client.post("/portal/acting-for/", {**csrf(client), "person": str(access.patient_id)})
    page = client.get(CONCERN).content.decode()
    assert KEPT in page and WORRY in page
    assert not Grievance.objects.exists()


# --- The privacy officers' side ------------------------------------------------------------------


def test_an_officers_reply_typed_before_the_sign_out_is_back_on_the_grievance(
    privacy_officer, patient
):
    grievance = concern(patient)
    page_url = f"/staff/privacy/grievances/{grievance.pk}/"
    client = browser_on(privacy_officer, page_url)
    go_idle(client)
    response = client.post(
        f"{page_url}message/", {**csrf(client), "text": "We are looking into it today."}
    )
    # The form posts elsewhere; signing in leads back to the grievance's page.
    assert response["Location"] == f"/accounts/login/?next={page_url}"
    entries = GrievanceEntry.objects.count()
    client.force_login(privacy_officer)
    page = client.get(page_url).content.decode()
    assert KEPT in page and "We are looking into it today." in page
    assert GrievanceEntry.objects.count() == entries


def test_a_concern_recorded_by_phone_is_kept(privacy_officer, patient):
    page_url = "/staff/privacy/grievances/new/"
    client = browser_on(privacy_officer, page_url)
    end_session_on_server()
    response = client.post(
        page_url,
        {
            **csrf(client),
            "mrn": patient.mrn,
            "channel": "phone",
            "description": "Called to say her neighbour saw her results.",
        },
    )
    assert response["Location"] == f"/accounts/login/?next={page_url}"
    client.force_login(privacy_officer)
    page = client.get(page_url).content.decode()
    assert KEPT in page
    assert "Called to say her neighbour saw her results." in page
    assert f'value="{patient.mrn}"' in page
    assert not Grievance.objects.exists()
