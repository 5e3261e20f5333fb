"""A rich world for the export tests: Maria's record in every category, sharing choices in
every state (active, scheduled, revoked, expired, in person, a care team, one entry, another
purpose), requests declined and pending, a reviewed emergency access, and reads by physicians,
the emergency and Maria herself. Thomas (another patient) has data of his own that must never
appear in Maria's export."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from django.utils import timezone

from clinic.models import Role, User
from consent import services
from consent.models import (
    AccessRequest,
    ConsentGrant,
    EmergencyAccess,
    Purpose,
    ReviewOutcome,
    Scope,
)
from patients.models import Patient, RecordCategory, RecordEntry, Sensitivity
from tests.factories import (
    CareTeamFactory,
    RecordEntryFactory,
    StaffFactory,
    emergency_access,
    expired_grant,
    future_grant,
    grant,
    revoked_grant,
)
from tests.factories.onboarding import OnboardingVisitFactory, identity_verified
from tests.support.record import Record


@dataclass
class World:
    patient: Patient
    patient_user: User
    other_patient: Patient
    record: Record
    entries: dict[str, RecordEntry]
    grants: dict[str, ConsentGrant]
    requests: dict[str, AccessRequest]
    emergency: EmergencyAccess
    physician: User
    other_physician: User
    emergency_physician: User


def export(client) -> dict:
    response = client.get("/portal/export/fhir/")
    assert response.status_code == 200, response.status_code
    return json.loads(b"".join(response.streaming_content))


def resources_of(bundle: dict, kind: str | None = None) -> list[dict]:
    return [
        e["resource"]
        for e in bundle["entry"]
        if kind is None or e["resource"]["resourceType"] == kind
    ]


def access_log_events(bundle: dict) -> list[dict]:
    """The AuditEvents that stand for access-log events (not emergency accesses)."""
    return [
        r
        for r in resources_of(bundle, "AuditEvent")
        if any(
            e.get("what", {}).get("identifier", {}).get("system") == "urn:rapport:access-log"
            for e in r["entity"]
        )
    ]


def detail(resource: dict, kind: str) -> str:
    for entity in resource["entity"]:
        for item in entity.get("detail", []):
            if item["type"] == kind:
                return item.get("valueString") or item.get("valueBase64Binary")
    raise KeyError(kind)


@pytest.fixture
def world(
    client,
    record,
    patient,
    patient_user,
    other_patient,
    physician,
    other_physician,
    front_desk,
    privacy_officer,
) -> World:
    maria = patient
    entries = dict(record.entries)
    for key, category, title in (
        ("medication", RecordCategory.MEDICATION, "Metformin 500 mg twice daily"),
        ("allergy", RecordCategory.ALLERGY, "Penicillin allergy"),
        ("immunization", RecordCategory.IMMUNIZATION, "Influenza vaccine 2026"),
    ):
        entries[key] = RecordEntryFactory(
            patient=maria, author=physician, category=category, title=title, body=f"{title} notes"
        )
    entries["sexual_health"] = RecordEntryFactory(
        patient=maria,
        author=physician,
        category=RecordCategory.LAB_RESULT,
        title="Screening result",
        body="Negative",
        sensitive=True,
        sensitivity=Sensitivity.SEXUAL_HEALTH,
    )
    team = CareTeamFactory(name="Diabetes team", members=[other_physician])
    visit = identity_verified(OnboardingVisitFactory(patient=maria, staff_member=front_desk))
    visit.refresh_from_db()
    grants = {
        "record": grant(maria, physician, include_sensitive=True),
        "category": grant(
            maria,
            other_physician,
            scope=Scope.CATEGORY,
            category=RecordCategory.LAB_RESULT,
            expires_at=timezone.now() + dt.timedelta(days=30),
        ),
        "entry": grant(
            maria,
            other_physician,
            scope=Scope.ENTRY,
            entry=entries["note"],
            purpose=Purpose.OTHER,
            purpose_other="A second opinion on my knee",
        ),
        "team": grant(maria, team=team, purpose=Purpose.CARE_COORDINATION),
        "revoked": revoked_grant(maria, other_physician, purpose=Purpose.RESEARCH),
        "expired": expired_grant(
            maria, physician, scope=Scope.CATEGORY, category=RecordCategory.MEDICATION
        ),
        "scheduled": future_grant(maria, other_physician),
        "in_person": services.record_in_person_choice(
            visit=visit,
            recorded_by=front_desk,
            grantee_user=other_physician,
            scope=Scope.RECORD,
            purpose=Purpose.TREATMENT,
        ),
    }
    declined = services.request_access(
        physician=other_physician, patient=maria, scope=Scope.RECORD, purpose="treatment"
    )
    services.decline_access_request(access_request=declined, note="No thank you")
    pending = services.request_access(
        physician=physician,
        patient=maria,
        scope=Scope.CATEGORY,
        category=RecordCategory.ALLERGY,
        purpose="care_coordination",
    )
    emergency_physician = StaffFactory(role=Role.PHYSICIAN, display_name="Dr E. Mergency")
    emergency = emergency_access(emergency_physician, maria)
    # Thomas shares with the same physician, and his record is read too.
    grant(other_patient, physician, include_sensitive=True)

    # Reads, through the real pages.
    client.force_login(physician)
    assert client.get(f"/staff/patients/{maria.pk}/").status_code == 200
    assert client.get(f"/staff/patients/{maria.pk}/entries/{entries['lab'].pk}/").status_code == 200
    assert client.get(f"/staff/patients/{other_patient.pk}/").status_code == 200
    client.force_login(emergency_physician)
    assert client.get(f"/staff/patients/{maria.pk}/").status_code == 200
    client.force_login(privacy_officer)
    services.review_emergency_access(
        access=emergency,
        reviewer=privacy_officer,
        outcome=ReviewOutcome.APPROPRIATE,
        note="Admitted unconscious; the access was needed.",
    )
    client.force_login(patient_user)
    assert client.get("/portal/records/").status_code == 200
    client.logout()
    emergency.refresh_from_db()
    return World(
        patient=maria,
        patient_user=patient_user,
        other_patient=other_patient,
        record=record,
        entries=entries,
        grants={key: ConsentGrant.objects.get(pk=g.pk) for key, g in grants.items()},
        requests={"declined": declined, "pending": pending},
        emergency=emergency,
        physician=physician,
        other_physician=other_physician,
        emergency_physician=emergency_physician,
    )
