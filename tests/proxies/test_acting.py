"""Acting for someone: the switch page, the banner on every page, the home while acting, the
refusal of areas not shared, an access ending between two clicks, and what a proxy does on the
sharing, concerns and education pages (recorded with the proxy named, the patient told)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from consent.models import AccessRequest, ConsentGrant, Purpose, RequestStatus, Scope
from feedback.models import Grievance, GrievanceEntry
from notifications.models import Notification, NotificationKind
from proxies.acting import SESSION_KEY
from proxies.models import ProxyArea, ProxyStatus
from tests.factories import (
    ProxyAccessFactory,
    concern,
    emergency_access,
    frozen_time,
    grant,
)
from tests.factories.education import AssignmentFactory
from tests.support.record import MARIA_ENTRIES

from .conftest import act_for, own_record

pytestmark = pytest.mark.django_db

TITLES = [title for (_c, title, _b, _s) in MARIA_ENTRIES.values()]
BANNER_MARIA = "You are looking at <strong>Maria Santos</strong>'s record, as their carer."


# --- the switch page -------------------------------------------------------------------------


def test_the_switch_page_lists_own_record_and_the_people_in_force(
    client, patient, carer_user, carer_access, other_patient
):
    ProxyAccessFactory(patient=other_patient, proxy=carer_user.patient, ended=True)
    client.force_login(carer_user)
    page = client.get("/portal/acting-for/").content.decode()
    assert "My own record" in page
    assert "Maria Santos (you are their carer)" in page
    assert "Thomas Whitfield" not in page  # that access ended
    assert '<label for="id_person_0">' in page or 'id="id_person_0"' in page


def test_switching_to_someone_not_acted_for_is_refused_with_a_message(
    client, carer_user, carer_access, other_patient
):
    client.force_login(carer_user)
    for hostile in [str(other_patient.pk), "", "99999999999999999999", "1 OR 1=1", "<script>"]:
        response = client.post("/portal/acting-for/", {"person": hostile})
        assert response.status_code == 200
        assert "Choose your own record or one of the people listed." in response.content.decode()
        assert SESSION_KEY not in client.session


def test_a_person_who_acts_for_nobody_sees_their_own_record_only(client, patient_user):
    client.force_login(patient_user)
    page = client.get("/portal/acting-for/").content.decode()
    assert "You do not act for anyone at the moment" in page
    assert "acting-banner" not in client.get("/portal/").content.decode()


def test_switching_shows_the_persons_home_with_only_the_shared_areas(client, patient, carer_user):
    ProxyAccessFactory(
        patient=patient, proxy=carer_user.patient, areas=[ProxyArea.RECORD, ProxyArea.CONCERNS]
    )
    act_for(client, carer_user, patient)
    page = client.get("/portal/").content.decode()
    assert "Maria Santos&#x27;s portal" in page or "Maria Santos's portal" in page
    assert BANNER_MARIA in page
    assert 'href="/portal/records/"' in page and 'href="/portal/feedback/"' in page
    assert 'href="/portal/sharing/"' not in page.split("<main")[1].split("</main>")[0]
    assert "Access log: who looked" not in page
    own_record(client)
    page = client.get("/portal/").content.decode()
    assert "Hello, Ana Santos" in page
    assert "You are looking at your own record." in page


def test_own_pages_say_they_are_about_the_proxy(client, patient, carer_user, carer_access):
    act_for(client, carer_user, patient)
    page = client.get("/portal/notifications/").content.decode()
    assert "This page is about you, not Maria Santos." in page


# --- areas not shared -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "url"),
    [
        (ProxyArea.RECORD, "/portal/records/"),
        (ProxyArea.ACCESS_LOG, "/portal/access-log/"),
        (ProxyArea.ACCESS_LOG, "/portal/access-log/proof/"),
        (ProxyArea.SHARING, "/portal/sharing/"),
        (ProxyArea.SHARING, "/portal/sharing/new/"),
        (ProxyArea.EDUCATION, "/portal/education/"),
        (ProxyArea.CONCERNS, "/portal/feedback/"),
        (ProxyArea.CONCERNS, "/portal/feedback/concern/"),
    ],
)
def test_an_area_not_shared_is_a_clear_403_showing_nothing(
    client, patient, carer_user, record, area, url
):
    others = [a for a in ProxyArea.values if a != area]
    ProxyAccessFactory(patient=patient, proxy=carer_user.patient, areas=others)
    act_for(client, carer_user, patient)
    response = client.get(url)
    assert response.status_code == 403
    page = response.content.decode()
    assert "Maria Santos has not shared this part with you" in page
    assert 'href="/portal/"' in page
    for title in TITLES:
        assert title not in page


# --- an access that ends between two clicks ---------------------------------------------------


def _end(access, how: str):
    if how == "ended":
        access.status = ProxyStatus.ENDED
        access.ended_at = timezone.now()
        access.save()
    elif how == "expired":
        access.ends_at = timezone.now() - dt.timedelta(seconds=1)
        access.save()
    elif how == "area_removed":
        access.areas = [ProxyArea.EDUCATION]
        access.save()


@pytest.mark.parametrize("how", ["ended", "expired"])
def test_an_ended_access_is_told_on_the_next_click(
    client, patient, carer_user, carer_access, record, how
):
    act_for(client, carer_user, patient)
    assert client.get("/portal/records/").status_code == 200
    _end(carer_access, how)
    response = client.get("/portal/records/", follow=True)
    assert response.redirect_chain[0] == ("/portal/acting-for/", 302)
    page = response.content.decode()
    assert "You can no longer act for Maria Santos" in page
    for title in TITLES:
        assert title not in page
    assert SESSION_KEY not in client.session
    # The next pages are the proxy's own again.
    assert "Hello, Ana Santos" in client.get("/portal/").content.decode()


def test_an_area_taken_away_is_refused_on_the_next_click(
    client, patient, carer_user, carer_access, record
):
    act_for(client, carer_user, patient)
    assert client.get("/portal/records/").status_code == 200
    _end(carer_access, "area_removed")
    assert client.get("/portal/records/").status_code == 403


def test_the_home_tells_when_the_access_ended(client, patient, carer_user, carer_access):
    act_for(client, carer_user, patient)
    _end(carer_access, "ended")
    response = client.get("/portal/", follow=True)
    assert "You can no longer act for Maria Santos" in response.content.decode()


# --- sharing, as a proxy -----------------------------------------------------------------------


def _grant_data(physician) -> dict:
    return {
        "grantee": f"user:{physician.pk}",
        "scope": Scope.RECORD,
        "category": "",
        "entry": "",
        "purpose": Purpose.TREATMENT,
        "purpose_other": "",
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": "",
    }


def test_a_proxy_shares_and_the_patient_is_told_who_did_it(
    client, patient, patient_user, carer_user, carer_access, physician, record
):
    act_for(client, carer_user, patient)
    response = client.post("/portal/sharing/new/", _grant_data(physician))
    assert response.status_code == 302
    created = ConsentGrant.objects.get(patient=patient)
    assert created.recorded_by == carer_user
    assert created.recorded_under == carer_access
    told = Notification.objects.get(recipient=patient_user, kind=NotificationKind.CONSENT_RECORDED)
    assert "Ana Santos, as your carer, shared your record with Dr A. Rivera" in told.message
    assert told.link == f"/portal/sharing/{created.pk}/stop/"


def test_a_proxy_stops_a_sharing_and_the_patient_is_told(
    client, patient, patient_user, carer_user, carer_access, physician
):
    given = grant(patient, physician)
    act_for(client, carer_user, patient)
    response = client.post(f"/portal/sharing/{given.pk}/stop/", {"reason": ""})
    assert response.status_code == 302
    given.refresh_from_db()
    assert given.revoked_at is not None
    assert given.revoked_by == carer_user and given.revoked_under == carer_access
    told = Notification.objects.get(recipient=patient_user, kind=NotificationKind.CONSENT_RECORDED)
    assert "Ana Santos, as your carer, stopped sharing your record with Dr A. Rivera" in (
        told.message
    )


def test_a_proxy_declines_a_request_and_the_patient_is_told(
    client, patient, patient_user, carer_user, carer_access, physician
):
    asked = AccessRequest.objects.create(
        patient=patient, physician=physician, scope=Scope.RECORD, purpose=Purpose.TREATMENT
    )
    act_for(client, carer_user, patient)
    response = client.post(
        f"/portal/sharing/requests/{asked.pk}/", {"decision": "decline", "note": ""}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    asked.refresh_from_db()
    assert asked.status == RequestStatus.DECLINED and asked.decided_under == carer_access
    told = Notification.objects.get(recipient=patient_user, kind=NotificationKind.CONSENT_RECORDED)
    assert "Ana Santos, as your carer, declined Dr A. Rivera's request" in told.message


def test_the_share_form_lists_only_entries_the_proxy_may_read(client, patient, carer_user, record):
    ProxyAccessFactory(patient=patient, proxy=carer_user.patient, record_categories=["lab_result"])
    act_for(client, carer_user, patient)
    page = client.get("/portal/sharing/new/").content.decode()
    assert "Cholesterol panel" in page
    assert "Counselling session" not in page and "Knee pain follow-up" not in page


def test_a_proxy_without_the_record_cannot_open_the_share_form(client, patient, carer_user, record):
    ProxyAccessFactory(patient=patient, proxy=carer_user.patient, areas=[ProxyArea.SHARING])
    act_for(client, carer_user, patient)
    response = client.get("/portal/sharing/new/")
    assert response.status_code == 403
    assert "Cholesterol panel" not in response.content.decode()


def test_ending_an_emergency_access_stays_the_patients_own(
    client, patient, carer_user, carer_access, physician
):
    opened = emergency_access(physician, patient)
    act_for(client, carer_user, patient)
    assert client.post(f"/portal/sharing/emergency/{opened.pk}/end/").status_code == 404
    opened.refresh_from_db()
    assert opened.is_open()


# --- concerns and education, as a proxy --------------------------------------------------------


def test_a_concern_raised_by_a_proxy_names_the_proxy(
    client, patient, carer_user, carer_access, privacy_officer
):
    act_for(client, carer_user, patient)
    response = client.post(
        "/portal/feedback/concern/", {"description": "Someone I do not know looked at it."}
    )
    assert response.status_code == 302
    raised = Grievance.objects.get(patient=patient)
    assert raised.raised_under == carer_access
    received = GrievanceEntry.objects.get(grievance=raised)
    assert received.author == carer_user and received.proxy_access == carer_access
    page = client.get(f"/portal/feedback/concerns/{raised.pk}/").content.decode()
    assert "Ana Santos, as your carer" in page
    client.force_login(privacy_officer)
    page = client.get(f"/staff/privacy/grievances/{raised.pk}/").content.decode()
    assert "Ana Santos, as the patient's carer" in page or (
        "Ana Santos, as the patient&#x27;s carer" in page
    )


def test_a_proxy_writes_in_the_patients_concern_thread(client, patient, carer_user, carer_access):
    raised = concern(patient)
    act_for(client, carer_user, patient)
    response = client.post(f"/portal/feedback/concerns/{raised.pk}/", {"text": "Any news?"})
    assert response.status_code == 302
    message = GrievanceEntry.objects.filter(grievance=raised).order_by("-pk").first()
    assert message.text == "Any news?" and message.by_patient
    assert message.author == carer_user and message.proxy_access == carer_access


def test_a_proxy_reading_an_article_does_not_mark_it_read(
    client, patient, carer_user, carer_access, physician
):
    assignment = AssignmentFactory(patient=patient, assigned_by=physician)
    act_for(client, carer_user, patient)
    response = client.get(f"/portal/education/{assignment.pk}/")
    assert response.status_code == 200
    assignment.refresh_from_db()
    assert assignment.first_read_at is None


def test_a_proxy_does_not_tick_the_patients_first_steps(client, patient, carer_user, carer_access):
    from patients.models import PortalStep

    act_for(client, carer_user, patient)
    for url in ("/portal/sharing/", "/portal/access-log/", "/portal/education/"):
        assert client.get(url).status_code == 200
    assert not PortalStep.objects.filter(patient=patient).exists()


def test_the_access_log_read_for_the_patient_names_looks_and_hides_nothing_else(
    client, patient, patient_user, carer_user, carer_access, record, physician
):
    with frozen_time(timezone.now() - dt.timedelta(minutes=5)):
        act_for(client, carer_user, patient)
        client.get("/portal/records/")
    page = client.get("/portal/access-log/").content.decode()
    assert "Ana Santos, as your carer" in page
    assert "Acting for you, as your carer" in page
    csv = b"".join(client.get("/portal/access-log/?format=csv").streaming_content).decode()
    assert "Ana Santos, as your carer" in csv
    client.force_login(patient_user)
    page = client.get("/portal/access-log/").content.decode()
    assert "Ana Santos, as your carer" in page


# --- the access log, read for the patient --------------------------------------------------------


def _physician_read(patient, physician, entry):
    from accesslog.chain import append_event

    return append_event(
        patient=patient,
        actor=physician,
        action="view",
        target="entry",
        entry=entry,
        category=entry.category,
        basis="grant",
        purpose="treatment",
    )


def test_the_log_does_not_say_which_entry_outside_the_proxys_view(
    client, patient, carer_user, physician, record
):
    ProxyAccessFactory(
        patient=patient,
        proxy=carer_user.patient,
        areas=[ProxyArea.ACCESS_LOG, ProxyArea.RECORD],
        record_categories=["lab_result"],
    )
    _physician_read(patient, physician, record["sensitive"])
    _physician_read(patient, physician, record["lab"])
    act_for(client, carer_user, patient)
    page = client.get("/portal/access-log/").content.decode()
    assert page.count("Dr A. Rivera") >= 2
    assert "lab result of" in page
    assert "visit note of" not in page
    assert "entry (a part of the record not shared with you)" in page
    assert f'href="/portal/records/{record["sensitive"].pk}/"' not in page
    assert "Download a proof of your log" not in page
    csv = b"".join(client.get("/portal/access-log/?format=csv").streaming_content).decode()
    rows = [line for line in csv.splitlines() if "Dr A. Rivera" in line]
    assert len(rows) == 2
    assert "Visit note" not in csv and "not shared with you" in rows[1]
    assert "Lab result" in rows[0]
    response = client.get("/portal/access-log/proof/", follow=True)
    assert response.redirect_chain == [("/portal/access-log/", 302)]
    assert "only they can download it" in response.content.decode()


def test_a_proxy_with_the_whole_record_gets_the_proof(
    client, patient, carer_user, physician, record
):
    ProxyAccessFactory(patient=patient, proxy=carer_user.patient, include_sensitive=True)
    _physician_read(patient, physician, record["sensitive"])
    act_for(client, carer_user, patient)
    page = client.get("/portal/access-log/").content.decode()
    assert "visit note of" in page and "Download a proof of your log" in page
    response = client.get("/portal/access-log/proof/")
    assert response.status_code == 200
    assert b'"patient_id":' + str(patient.pk).encode() in b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "overrides",
    [
        {},  # the whole record: more than lab results
        {"scope": Scope.CATEGORY, "category": "visit_note"},
        {"scope": Scope.CATEGORY, "category": "lab_result", "include_sensitive": "on"},
    ],
    ids=["whole record", "another category", "sensitive entries"],
)
def test_a_proxy_never_shares_more_than_they_may_see(
    client, patient, patient_user, carer_user, physician, record, overrides
):
    ProxyAccessFactory(patient=patient, proxy=carer_user.patient, record_categories=["lab_result"])
    act_for(client, carer_user, patient)
    response = client.post("/portal/sharing/new/", {**_grant_data(physician), **overrides})
    assert response.status_code == 200
    page = response.content.decode()
    assert "You can share only the parts of the record you can see yourself." in page
    assert "Please correct the following" in page
    assert not ConsentGrant.objects.filter(patient=patient).exists()
    assert not Notification.objects.filter(
        recipient=patient_user, kind=NotificationKind.CONSENT_RECORDED
    ).exists()
    ok = {"scope": Scope.CATEGORY, "category": "lab_result"}
    assert client.post("/portal/sharing/new/", {**_grant_data(physician), **ok}).status_code == 302
    assert ConsentGrant.objects.get(patient=patient).category == "lab_result"


def test_a_spanish_speaking_patient_reads_the_carers_relationship_in_spanish(
    client, patient, carer_user, carer_access
):
    act_for(client, carer_user, patient)
    client.post("/portal/feedback/concern/", {"description": "Someone I do not know looked."})
    raised = Grievance.objects.get(patient=patient)
    patient.preferred_language = "es"
    patient.save(update_fields=["preferred_language"])
    client.force_login(patient.user)
    page = client.get(f"/portal/feedback/concerns/{raised.pk}/").content.decode()
    assert "Ana Santos, como su persona cuidadora" in page
    assert "su carer" not in page
