"""/portal/export/fhir/: the patient's own data as one FHIR R4B collection bundle."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from accesslog.models import AccessEvent
from clinic.models import Role
from exports import bundle as bundle_module
from exports.fhir import instant, resource_id
from notifications.models import Notification
from patients.models import ChecklistItem, PortalStep, RecordEntry
from tests.exports.conftest import access_log_events, detail, export, resources_of
from tests.factories import RecordEntryFactory, StaffFactory
from tests.support.record import THOMAS_BODY, THOMAS_TITLE

ENTRY_TYPES = {
    "Observation",
    "MedicationStatement",
    "AllergyIntolerance",
    "Immunization",
    "DocumentReference",
}


def signed_in_export(client, world) -> dict:
    client.force_login(world.patient_user)
    return export(client)


def consent_for(bundle: dict, world, key) -> dict:
    wanted = resource_id(world.patient, "Consent", key)
    (found,) = [r for r in resources_of(bundle, "Consent") if r["id"] == wanted]
    return found


def parse_instant(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


# --- the download ----------------------------------------------------------------------------


def test_the_download_is_a_fhir_json_attachment_that_is_never_cached(client, world):
    client.force_login(world.patient_user)
    response = client.get("/portal/export/fhir/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="rapport-record-')
    assert "no-store" in response["Cache-Control"]
    assert response.streaming
    data = json.loads(b"".join(response.streaming_content).decode("utf-8"))
    assert (data["resourceType"], data["type"]) == ("Bundle", "collection")


def test_the_bundle_and_every_resource_validate_with_fhir_resources_r4b(client, world):
    data = signed_in_export(client, world)
    Bundle.model_validate(data)
    kinds = set()
    for entry in data["entry"]:
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"])
        model.model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        kinds.add(resource["resourceType"])
    assert kinds == {"Patient", "Consent", "AuditEvent"} | ENTRY_TYPES


def test_timestamps_are_utc_with_an_offset(client, world):
    data = signed_in_export(client, world)
    assert data["timestamp"].endswith("+00:00")
    for event in resources_of(data, "AuditEvent"):
        assert event["recorded"].endswith("+00:00")
    for consent in resources_of(data, "Consent"):
        assert consent["dateTime"].endswith("+00:00")


# --- exactly the patient's data ----------------------------------------------------------------


def test_the_bundle_holds_the_patients_whole_record_and_nobody_elses(client, world):
    data = signed_in_export(client, world)
    text = json.dumps(data)
    assert THOMAS_TITLE not in text and THOMAS_BODY not in text
    assert world.other_patient.mrn not in text
    assert world.other_patient.legal_name not in text
    (patient,) = resources_of(data, "Patient")
    assert patient["identifier"][0]["value"] == world.patient.mrn
    assert patient["birthDate"] == world.patient.date_of_birth.isoformat()
    entries = [r for r in resources_of(data) if r["resourceType"] in ENTRY_TYPES]
    mine = RecordEntry.objects.filter(patient=world.patient)
    assert {r["id"] for r in entries} == {
        resource_id(world.patient, "RecordEntry", e.pk) for e in mine
    }
    # Every reference inside the bundle resolves to a resource of the bundle.
    urls = {entry["fullUrl"] for entry in data["entry"]}
    references = {
        value for value in _walk(data) if isinstance(value, str) and value.startswith("urn:uuid:")
    }
    assert references <= urls


def _walk(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)
    else:
        yield value


def test_each_category_becomes_its_fitting_resource(client, world):
    data = signed_in_export(client, world)
    by_id = {r["id"]: r for r in resources_of(data)}

    def of(key):
        return by_id[resource_id(world.patient, "RecordEntry", world.entries[key].pk)]

    lab = of("lab")
    assert lab["resourceType"] == "Observation"
    assert lab["code"]["text"] == "Cholesterol panel"
    assert lab["valueString"] == "LDL cholesterol 3.1 mmol/L"
    assert lab["category"][0]["coding"][0]["code"] == "laboratory"
    assert of("medication")["resourceType"] == "MedicationStatement"
    assert of("allergy")["resourceType"] == "AllergyIntolerance"
    assert of("immunization")["resourceType"] == "Immunization"
    note = of("note")
    assert note["resourceType"] == "DocumentReference"
    body = base64.b64decode(note["content"][0]["attachment"]["data"]).decode()
    assert body == "Physiotherapy twice a week advised"
    document = of("document")
    attachment = document["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert attachment["url"].endswith(f"/portal/records/{world.entries['document'].pk}/document/")


def test_the_document_link_in_the_bundle_fetches_the_file_for_the_patient(client, world):
    data = signed_in_export(client, world)
    url = next(
        r["content"][0]["attachment"]["url"]
        for r in resources_of(data, "DocumentReference")
        if r["content"][0]["attachment"].get("url")
    )
    path = url[url.index("/portal/") :]
    response = client.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_sensitive_entries_carry_a_restricted_security_label(client, world):
    data = signed_in_export(client, world)
    by_id = {r["id"]: r for r in resources_of(data)}
    for key, entry in world.entries.items():
        labels = by_id[resource_id(world.patient, "RecordEntry", entry.pk)]["meta"]["security"]
        codes = {(label["system"].rsplit("/", 1)[-1], label["code"]) for label in labels}
        if entry.sensitive:
            assert ("v3-Confidentiality", "R") in codes, key
        else:
            assert codes == {("v3-Confidentiality", "N")}, key
    assert ("v3-ActCode", "MH") in {
        (label["system"].rsplit("/", 1)[-1], label["code"])
        for label in by_id[
            resource_id(world.patient, "RecordEntry", world.entries["sensitive"].pk)
        ]["meta"]["security"]
    }
    sexual = by_id[resource_id(world.patient, "RecordEntry", world.entries["sexual_health"].pk)]
    assert "SEX" in {label["code"] for label in sexual["meta"]["security"]}


def test_hostile_text_stays_text(client, world):
    RecordEntryFactory(
        patient=world.patient,
        author=world.physician,
        title='<script>alert("x")</script> "quoted" \\ back ✓',
        body=']}\u2028{"resourceType":"Patient"}',
    )
    data = signed_in_export(client, world)
    Bundle.model_validate(data)
    (hostile,) = [
        r
        for r in resources_of(data, "DocumentReference")
        if r["description"].startswith("<script>")
    ]
    assert hostile["description"] == '<script>alert("x")</script> "quoted" \\ back ✓'
    assert len(resources_of(data, "Patient")) == 1


# --- consent -------------------------------------------------------------------------------------


def test_every_grant_is_a_pcf_consent_with_its_provision(client, world):
    data = signed_in_export(client, world)
    grants = world.grants
    assert len(resources_of(data, "Consent")) == len(grants) + len(world.requests)
    for key, grant in grants.items():
        consent = consent_for(data, world, grant.pk)
        assert consent["scope"]["coding"][0]["code"] == "patient-privacy"
        assert consent["category"][0]["coding"][0]["code"] == "59284-0"
        assert consent["policyRule"]["coding"][0]["code"] == "OPTIN"
        assert parse_instant(consent["dateTime"]) == grant.created_at
        provision = consent["provision"]
        assert provision["type"] == "permit"
        assert parse_instant(provision["period"]["start"]) == grant.starts_at
        actor = provision["actor"][0]
        assert actor["role"]["coding"][0]["code"] == "IRCP"
        if grant.grantee_user_id:
            assert actor["reference"]["identifier"]["value"] == str(grant.grantee_user_id)
        else:
            assert actor["reference"]["display"] == "Diabetes team"
        tags = {tag["system"]: tag["code"] for tag in consent["meta"]["tag"]}
        assert tags["urn:rapport:consent-given-via"] == grant.given_via, key

    active = consent_for(data, world, grants["record"].pk)
    assert active["status"] == "active" and "end" not in active["provision"]["period"]
    assert "provision" not in active["provision"]  # sensitive entries included
    assert active["provision"]["purpose"][0]["code"] == "TREAT"

    category = consent_for(data, world, grants["category"].pk)
    assert category["provision"]["class"][0]["code"] == "Observation"
    assert category["provision"]["code"][0]["coding"][0]["code"] == "lab_result"
    assert parse_instant(category["provision"]["period"]["end"]) == grants["category"].expires_at
    (deny,) = category["provision"]["provision"]
    assert (deny["type"], deny["securityLabel"][0]["code"]) == ("deny", "R")

    entry = consent_for(data, world, grants["entry"].pk)
    (data_ref,) = entry["provision"]["data"]
    assert data_ref["meaning"] == "instance"
    assert data_ref["reference"]["reference"] == "urn:uuid:" + resource_id(
        world.patient, "RecordEntry", world.entries["note"].pk
    )
    assert entry["provision"]["purpose"][0]["display"] == "A second opinion on my knee"

    team = consent_for(data, world, grants["team"].pk)
    assert team["provision"]["purpose"][0]["code"] == "COC"

    revoked = consent_for(data, world, grants["revoked"].pk)
    assert revoked["status"] == "inactive"
    assert parse_instant(revoked["provision"]["period"]["end"]) == grants["revoked"].revoked_at
    assert revoked["provision"]["purpose"][0]["code"] == "HRESCH"

    expired = consent_for(data, world, grants["expired"].pk)
    assert expired["status"] == "inactive"
    assert parse_instant(expired["provision"]["period"]["end"]) == grants["expired"].expires_at
    states = {
        key: {t["system"]: t["code"] for t in consent_for(data, world, g.pk)["meta"]["tag"]}[
            "urn:rapport:consent-state"
        ]
        for key, g in grants.items()
    }
    assert states["revoked"] == "revoked" and states["expired"] == "expired"
    assert states["scheduled"] == "scheduled"
    assert consent_for(data, world, grants["scheduled"].pk)["status"] == "active"

    in_person = consent_for(data, world, grants["in_person"].pk)
    (verification,) = in_person["verification"]
    assert verification["verified"] is True
    assert parse_instant(verification["verificationDate"]) == grants["in_person"].visit.starts_at
    assert "verification" not in active


def test_declined_and_pending_requests_are_rejected_and_proposed_consents(client, world):
    data = signed_in_export(client, world)
    declined = consent_for(data, world, f"request-{world.requests['declined'].pk}")
    pending = consent_for(data, world, f"request-{world.requests['pending'].pk}")
    assert declined["status"] == "rejected"
    assert pending["status"] == "proposed"
    assert pending["provision"]["code"][0]["coding"][0]["code"] == "allergy"


# --- the access log ------------------------------------------------------------------------------


def test_every_audit_event_matches_its_access_log_event(client, world):
    data = signed_in_export(client, world)
    events = list(AccessEvent.objects.filter(patient=world.patient).order_by("sequence"))
    audits = access_log_events(data)
    assert len(audits) == len(events)
    grants = {g.pk: g for g in world.grants.values()}
    for event, audit in zip(events, audits, strict=True):
        assert audit["id"] == resource_id(world.patient, "AccessEvent", event.sequence)
        assert parse_instant(audit["recorded"]) == event.occurred_at
        assert audit["action"] == "R" and audit["outcome"] == "0"
        assert detail(audit, "sequence") == str(event.sequence)
        assert detail(audit, "hash") == event.hash
        assert detail(audit, "prev_hash") == event.prev_hash
        canonical = base64.b64decode(detail(audit, "canonical"))
        assert hashlib.sha256(canonical).hexdigest() == event.hash
        (agent,) = audit["agent"]
        assert agent["requestor"] is True
        assert agent["role"][0]["coding"][0]["code"] == event.actor_role
        purpose = audit["purposeOfEvent"][0]
        assert purpose["text"] == event.purpose
        codes = {c["code"] for c in purpose["coding"]}
        if event.basis == "self":
            assert agent["who"]["reference"] == "urn:uuid:" + resource_id(
                world.patient, "Patient", ""
            )
            assert codes == {"PATRQT"} and "policy" not in agent
        elif event.basis == "grant":
            assert agent["who"]["identifier"]["value"] == str(event.actor_id)
            assert agent["policy"] == [
                "urn:uuid:" + resource_id(world.patient, "Consent", event.grant_id)
            ]
            expected = {"treatment": "TREAT", "care_coordination": "COC", "research": "HRESCH"}
            assert codes == {expected[grants[event.grant_id].purpose]}
        else:
            assert event.basis == "emergency"
            assert agent["who"]["display"] == "Dr E. Mergency"
            assert codes == {"BTG", "ETREAT"}
            assert agent["policy"] == [
                "urn:uuid:" + resource_id(world.patient, "EmergencyAccess", event.emergency_id)
            ]
        if event.entry_id:
            assert any(
                e["what"].get("reference")
                == "urn:uuid:" + resource_id(world.patient, "RecordEntry", event.entry_id)
                for e in audit["entity"]
            )
    assert {e.basis for e in events} == {"self", "grant", "emergency"}


def test_the_export_is_itself_the_last_event_basis_self_without_a_notification(client, world):
    before = AccessEvent.objects.filter(patient=world.patient).count()
    notifications = Notification.objects.count()
    data = signed_in_export(client, world)
    event = AccessEvent.objects.filter(patient=world.patient).order_by("-sequence").first()
    assert AccessEvent.objects.filter(patient=world.patient).count() == before + 1
    assert (event.actor, event.basis, event.action, event.target) == (
        world.patient_user,
        "self",
        "export",
        "export",
    )
    assert Notification.objects.count() == notifications
    last = access_log_events(data)[-1]
    assert last["type"]["code"] == "110106"  # DICOM "Export"
    assert detail(last, "sequence") == str(event.sequence)
    assert data["identifier"]["value"] == str(event.sequence)


def test_emergency_access_is_exported_as_break_glass_with_its_review(client, world):
    data = signed_in_export(client, world)
    emergency = next(
        r
        for r in resources_of(data, "AuditEvent")
        if r["id"] == resource_id(world.patient, "EmergencyAccess", world.emergency.pk)
    )
    assert emergency["subtype"][0]["code"] == "110127"  # Emergency Override Started
    assert {c["code"] for c in emergency["purposeOfEvent"][0]["coding"]} == {"BTG", "ETREAT"}
    assert parse_instant(emergency["period"]["start"]) == world.emergency.opened_at
    assert parse_instant(emergency["period"]["end"]) == world.emergency.closed_at
    assert emergency["meta"]["tag"][0]["code"] == "appropriate"
    assert detail(emergency, "review-outcome") == "appropriate"
    assert detail(emergency, "reason") == world.emergency.reason


# --- stable ids, bounded memory, flat queries ----------------------------------------------------


def test_resource_ids_are_stable_across_two_exports(client, world):
    first = signed_in_export(client, world)
    second = signed_in_export(client, world)
    first_ids = [e["resource"]["id"] for e in first["entry"]]
    second_ids = [e["resource"]["id"] for e in second["entry"]]
    assert len(set(first_ids)) == len(first_ids)
    assert second_ids[: len(first_ids)] == first_ids  # same order, same ids
    (new,) = second["entry"][len(first_ids) :]  # only the second export's own event
    assert new["resource"]["type"]["code"] == "110106"
    same = [e["resource"] for e in first["entry"] if e["resource"]["resourceType"] != "AuditEvent"]
    assert same == [
        e["resource"] for e in second["entry"] if e["resource"]["resourceType"] != "AuditEvent"
    ]


def test_resource_ids_are_pinned():
    """Known answer: an id never changes with the code that makes it."""

    class Maria:
        mrn = "R23456789"

    assert resource_id(Maria, "RecordEntry", 7) == "85249ccd-020f-5061-87e3-031f74ec7d4a"
    assert resource_id(Maria, "Patient", "") == "7bca5491-7939-5e41-ac68-95f19d5091a5"


def test_instants_keep_the_microseconds_and_the_offset():
    moment = dt.datetime(2026, 3, 1, 12, 0, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert instant(moment) == "2026-03-01T11:00:00.000005+00:00"


def test_the_bundle_leaves_in_chunks(client, world, monkeypatch):
    monkeypatch.setattr(bundle_module, "FLUSH_BYTES", 2048)
    client.force_login(world.patient_user)
    response = client.get("/portal/export/fhir/")
    chunks = list(response.streaming_content)
    assert len(chunks) > 5
    assert max(len(chunk) for chunk in chunks) < 2048 + 16_000
    Bundle.model_validate(json.loads(b"".join(chunks)))


def test_the_query_count_does_not_grow_with_the_record(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.patient_user)
    export(client)  # warm the session's first-step note

    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            export(client)
        return len(captured)

    small = queries()
    for _ in range(30):
        RecordEntryFactory(patient=world.patient, author=world.physician)
    for _ in range(30):
        client.get("/portal/records/")
    large = queries()
    assert large == small
    with django_assert_max_num_queries(30):
        export(client)


# --- who may export ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_and_nothing_is_logged(client, world):
    before = AccessEvent.objects.count()
    response = client.get("/portal/export/fhir/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert AccessEvent.objects.count() == before


@pytest.mark.parametrize(
    "role", [Role.PHYSICIAN, Role.FRONT_DESK, Role.PRIVACY_OFFICER, Role.ADMIN]
)
def test_staff_get_no_export_even_with_consent(client, world, role):
    staff = world.physician if role == Role.PHYSICIAN else StaffFactory(role=role)
    before = AccessEvent.objects.count()
    client.force_login(staff)
    response = client.get("/portal/export/fhir/")
    assert response.status_code == 403
    assert AccessEvent.objects.count() == before


def test_another_patient_exports_only_their_own_data(client, world, other_patient_user):
    client.force_login(other_patient_user)
    data = export(client)
    text = json.dumps(data)
    assert THOMAS_TITLE in text
    assert world.patient.mrn not in text and "Cholesterol panel" not in text
    assert "Maria" not in text


def test_the_first_download_ticks_the_checklist_step(client, world):
    assert not PortalStep.objects.filter(patient=world.patient).exists()
    signed_in_export(client, world)
    assert PortalStep.objects.filter(patient=world.patient, item=ChecklistItem.EXPORT).exists()
    page = client.get("/portal/").content.decode()
    assert 'href="/portal/export/fhir/"' in page
    assert 'href="/portal/export/summary/"' in page
    assert "Download a copy of your data" in page
    assert "You did this on" in page


@pytest.mark.parametrize("url", ["/portal/export/fhir/", "/portal/export/summary/"])
def test_only_get_is_answered(client, world, url):
    client.force_login(world.patient_user)
    before = AccessEvent.objects.count()
    assert client.post(url).status_code == 405
    assert AccessEvent.objects.count() == before
