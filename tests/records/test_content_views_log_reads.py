"""No record content leaves the server without exactly one access event.

The URL-conf walk requests every GET URL of the site as the patient, a consented physician and
others, with real ids. Any response that contains record content (a sentinel title, body or
document) must come from a view built on the access helper and must have written exactly one
event; every other response must have written none. A new view that shows record content
without logging fails here.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory

from accesslog.models import AccessEvent
from clinic.models import Role
from consent import services
from consent.access import MissingAccessEvent, record_content_view
from consent.models import Scope
from patients.models import Appointment, AppointmentKind, RecordCategory
from tests.factories import (
    PatientUserFactory,
    RecordEntryFactory,
    StaffFactory,
    concern,
    grant,
)
from tests.factories.education import ArticleFactory, AssignmentFactory
from tests.factories.onboarding import OnboardingVisitFactory
from tests.proxies.manage_support import link_carer, years_ago
from tests.support.urls import all_routes, record_content_routes

PDF = b"%PDF-1.4\nSENTINEL-DOCUMENT-BYTES\n%%EOF\n"


@pytest.fixture
def world(patient, physician, other_physician, privacy_officer, front_desk):
    visit = RecordEntryFactory(
        patient=patient,
        author=physician,
        category=RecordCategory.VISIT_NOTE,
        title="SENTINEL-TITLE-VISIT",
        body="SENTINEL-BODY-VISIT",
    )
    document = RecordEntryFactory(
        patient=patient,
        author=physician,
        category=RecordCategory.DOCUMENT,
        title="SENTINEL-TITLE-DOC",
        body="SENTINEL-BODY-DOC",
        document=SimpleUploadedFile("scan.pdf", PDF, "application/pdf"),
    )
    consent_grant = grant(patient, physician, scope=Scope.RECORD, include_sensitive=True)
    access_request = services.request_access(
        physician=other_physician, patient=patient, scope=Scope.RECORD, purpose="treatment"
    )
    emergency = services.open_emergency_access(
        physician=StaffFactory(role=Role.PHYSICIAN),
        patient=patient,
        reason="Unconscious in the emergency department, allergies unknown",
    )
    event = AccessEvent.objects.filter(patient=patient).first()
    visit = OnboardingVisitFactory(patient=patient, site=patient.site, staff_member=front_desk)
    article = ArticleFactory(author=physician, status="published")
    assignment = AssignmentFactory(article=article, patient=patient, assigned_by=physician)
    grievance = concern(patient)
    appointment = Appointment.objects.create(
        patient=patient,
        site=patient.site,
        starts_at=visit.starts_at + dt.timedelta(days=1),
        with_staff=physician,
        kind=AppointmentKind.FOLLOW_UP,
        booked_by=front_desk,
    )
    carer = PatientUserFactory(patient__site=patient.site, patient__date_of_birth=years_ago(40))
    proxy_access = link_carer(patient, carer.patient, front_desk)
    ids = {
        "appointments/<int:pk>": appointment.pk,
        "patients/<int:pk>": patient.pk,
        "visits/<int:pk>": visit.pk,
        "staff/education/<int:pk>": article.pk,
        "portal/education/<int:pk>": assignment.pk,
        "grievances/<int:pk>": grievance.pk,
        "concerns/<int:pk>": grievance.pk,
        # No question, survey invitation or suggestion exists here: their pages answer 404.
        "questions/<int:pk>": 1,
        "surveys/<int:pk>": 1,
        "suggestions/<int:pk>": 1,
        "slug": article.slug,
        "number": 1,
        "key": "00000000-0000-4000-8000-000000000000",
        "ext": "png",
        "patient_id": patient.pk,
        "entry_id": document.pk,
        "grant_id": consent_grant.pk,
        "request_id": access_request.pk,
        "access_id": emergency.pk,
        "task_id": 1,  # a letter-or-phone task (none exists here: its page answers 404)
        # A carer acting for the patient: the front desk's, the patient's and the carer's pages.
        "proxies/<int:pk>": proxy_access.pk,
        "people/<int:pk>": proxy_access.pk,
        "helping/<int:pk>": proxy_access.pk,
    }
    return {"ids": ids, "entries": [visit, document], "event": event}


SKIP_PREFIXES = ("admin/", "accounts/")  # Django admin and allauth show no record content
SENTINELS = [b"SENTINEL-TITLE", b"SENTINEL-BODY", b"SENTINEL-DOCUMENT"]


def concrete_urls(ids: dict) -> list[tuple[str, object]]:
    urls = []
    for route, callback in ((r.route, r.callback) for r in all_routes()):
        if route.startswith(SKIP_PREFIXES):
            continue
        for prefix in [key for key in ids if "/" in key]:  # a generic pk, told apart by its route
            if route.startswith(prefix) or f"/{prefix}" in f"/{route}":
                route = route.replace(prefix, prefix.replace("<int:pk>", str(ids[prefix])))
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        unknown = [p for p in params if p not in ids]
        assert not unknown, f"add an id for {unknown} in {route} to this test's world"
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), route)
        urls.append((url, callback))
    return urls


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def test_every_view_showing_record_content_logs_exactly_one_event(
    client, world, patient_user, physician, other_physician, privacy_officer, front_desk
):
    viewers = [patient_user, physician, other_physician, privacy_officer, front_desk]
    content_views = set()
    for url, callback in concrete_urls(world["ids"]):
        for viewer in viewers:
            client.force_login(viewer)
            before = AccessEvent.objects.count()
            response = client.get(url)
            body = body_of(response)
            written = AccessEvent.objects.count() - before
            shows_content = response.status_code == 200 and any(s in body for s in SENTINELS)
            if shows_content:
                content_views.add(callback.__name__)
                assert getattr(callback, "shows_record_content", False), (
                    f"{url} shows record content but is not a @record_content_view"
                )
                assert written == 1, f"{url} as {viewer.email} wrote {written} events"
            else:
                assert written == 0, (
                    f"{url} as {viewer.email} wrote {written} events for no content"
                )
    # The walk really exercised the content views of patients and physicians.
    assert {
        "records",
        "record_entry",
        "record_document",
        "patient_record",
        "patient_entry",
        "patient_document",
        "fhir_export",
        "export_summary",
    } <= content_views


def test_marked_views_are_exactly_the_content_views():
    marked = {route.callback.__name__ for route in record_content_routes()}
    assert marked == {
        "records",
        "record_entry",
        "record_document",
        "patient_record",
        "patient_entry",
        "patient_document",
        "sharing_new",
        "fhir_export",
        "export_summary",
    }


def test_denied_requests_write_no_event(client, world, other_patient_user, other_physician):
    ids = world["ids"]
    denied = [
        (other_patient_user, f"/portal/records/{ids['entry_id']}/"),
        (other_patient_user, f"/portal/records/{ids['entry_id']}/document/"),
        (other_physician, f"/staff/patients/{ids['patient_id']}/"),
        (other_physician, f"/staff/patients/{ids['patient_id']}/entries/{ids['entry_id']}/"),
        (
            other_physician,
            f"/staff/patients/{ids['patient_id']}/entries/{ids['entry_id']}/document/",
        ),
    ]
    before = AccessEvent.objects.count()
    for viewer, url in denied:
        client.force_login(viewer)
        assert client.get(url).status_code in (403, 404), url
    assert AccessEvent.objects.count() == before


def test_one_event_per_read_with_what_who_and_basis(
    client, world, patient, physician, patient_user
):
    ids = world["ids"]
    client.force_login(physician)
    client.get(f"/staff/patients/{ids['patient_id']}/entries/{ids['entry_id']}/document/")
    event = AccessEvent.objects.filter(patient=patient).order_by("-sequence").first()
    assert (event.actor, event.actor_role, event.action, event.target) == (
        physician,
        "physician",
        "download",
        "document",
    )
    assert event.entry_id == ids["entry_id"]
    assert event.basis == "grant" and event.grant_id == ids["grant_id"]
    assert event.purpose == "treatment"

    client.force_login(patient_user)
    client.get("/portal/records/?category=visit_note")
    event = AccessEvent.objects.filter(patient=patient).order_by("-sequence").first()
    assert (event.actor, event.basis, event.target, event.category) == (
        patient_user,
        "self",
        "category",
        "visit_note",
    )


def test_a_content_view_that_forgets_to_log_cannot_answer(db, patient_user):
    @record_content_view
    def forgetful(request):
        return HttpResponse("SENTINEL-TITLE leaked")

    request = RequestFactory().get("/")
    request.user = patient_user
    with pytest.raises(MissingAccessEvent):
        forgetful(request)
