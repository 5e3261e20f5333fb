"""The patient's data as FHIR R4B resources, one function per kind of resource.

Each builder returns the resource as a plain dict, shaped to the `fhir.resources.R4B` model of its
type; `exports.bundle` writes them out one by one. The tests parse every resource of exported
bundles with those models, and pin the codes we emit against the value sets named here
(fhir.resources checks structure, not coded values).

Resource ids are UUIDs derived from the patient's MRN and the row they stand for, so two exports
give every resource the same id, and an entry's `fullUrl` is `urn:uuid:<id>` (a collection
bundle, not a FHIR server): references inside the bundle are those URNs.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from functools import lru_cache

from django.conf import settings
from django.urls import reverse

from accesslog.chain import canonical_bytes
from accesslog.models import AccessAction, AccessBasis, AccessEvent, AccessTarget
from consent.models import (
    AccessRequest,
    ConsentGrant,
    EmergencyAccess,
    GivenVia,
    Purpose,
    RequestStatus,
    Scope,
)
from patients.models import CATEGORY_PLURALS, Language, Patient, RecordCategory, RecordEntry

# Fixed forever: changing it changes every resource id of every export.
ID_NAMESPACE = uuid.UUID("6f1d8a52-3c0e-5b8e-9a57-52b4c1f0e0a1")

# Code systems (HL7 terminology, DICOM, LOINC) and the portal's own identifier systems.
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
AUDIT_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
RESTFUL_INTERACTION = "http://hl7.org/fhir/restful-interaction"
AUDIT_ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
SECURITY_SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
RESOURCE_TYPES = "http://hl7.org/fhir/resource-types"
BCP47 = "urn:ietf:bcp:47"

MRN_SYSTEM = "urn:rapport:mrn"
STAFF_SYSTEM = "urn:rapport:staff"
PROXY_SYSTEM = "urn:rapport:proxy-access"
ROLE_SYSTEM = "urn:rapport:role"
CATEGORY_SYSTEM = "urn:rapport:record-category"
GIVEN_VIA_SYSTEM = "urn:rapport:consent-given-via"
CONSENT_STATE_SYSTEM = "urn:rapport:consent-state"
PURPOSE_SYSTEM = "urn:rapport:purpose"
ACCESS_LOG_SYSTEM = "urn:rapport:access-log"
EMERGENCY_SYSTEM = "urn:rapport:emergency-access"
REVIEW_SYSTEM = "urn:rapport:emergency-review"

CONFIDENTIAL_RESTRICTED = {"system": CONFIDENTIALITY, "code": "R", "display": "restricted"}
CONFIDENTIAL_NORMAL = {"system": CONFIDENTIALITY, "code": "N", "display": "normal"}
# v3 ActCode information sensitivity codes for the kinds of sensitive entry.
SENSITIVITY_CODES = {
    "mental_health": ("MH", "mental health information sensitivity"),
    "sexual_health": ("SEX", "sexuality and reproductive health information sensitivity"),
    "substance_use": ("ETH", "substance abuse information sensitivity"),
    "genetics": ("GDIS", "genetic disease information sensitivity"),
}
# What each category of entry becomes.
RESOURCE_TYPE_OF = {
    RecordCategory.LAB_RESULT: "Observation",
    RecordCategory.MEDICATION: "MedicationStatement",
    RecordCategory.ALLERGY: "AllergyIntolerance",
    RecordCategory.IMMUNIZATION: "Immunization",
    RecordCategory.VISIT_NOTE: "DocumentReference",
    RecordCategory.DOCUMENT: "DocumentReference",
}
# v3 ActReason codes for the purposes a patient can choose (another purpose is told in words).
PURPOSE_CODES = {
    Purpose.TREATMENT: ("TREAT", "treatment"),
    Purpose.CARE_COORDINATION: ("COC", "coordination of care"),
    Purpose.RESEARCH: ("HRESCH", "healthcare research"),
}
PATIENT_REQUESTED = {"system": ACT_REASON, "code": "PATRQT", "display": "patient requested"}
EMERGENCY_TREATMENT = {"system": ACT_REASON, "code": "ETREAT", "display": "Emergency Treatment"}
BREAK_THE_GLASS = {"system": ACT_REASON, "code": "BTG", "display": "break the glass"}
# A carer or parent reading for the patient; an attorney under a power of attorney.
FAMILY_REQUESTED = {"system": ACT_REASON, "code": "FAMRQT", "display": "family requested"}
POWER_OF_ATTORNEY = {"system": ACT_REASON, "code": "PWATRNY", "display": "power of attorney"}
INFORMATION_RECIPIENT = {
    "coding": [{"system": PARTICIPATION_TYPE, "code": "IRCP", "display": "information recipient"}]
}
SOURCE = {
    "site": "Rapport patient portal",
    "observer": {"display": "Rapport patient portal"},
    "type": [{"system": SECURITY_SOURCE_TYPE, "code": "4", "display": "Application Server"}],
}
PERSON_ENTITY = {"system": AUDIT_ENTITY_TYPE, "code": "1", "display": "Person"}
OBJECT_ENTITY = {"system": AUDIT_ENTITY_TYPE, "code": "2", "display": "System Object"}
PATIENT_ROLE = {"system": OBJECT_ROLE, "code": "1", "display": "Patient"}
RESOURCE_ROLE = {"system": OBJECT_ROLE, "code": "4", "display": "Domain Resource"}
QUERY_ROLE = {"system": OBJECT_ROLE, "code": "24", "display": "Query"}


# --- ids, references and values ------------------------------------------------------------------


def resource_id(patient: Patient, kind: str, key: object) -> str:
    """The same UUID in every export of this patient's data."""
    return _uuid(patient.mrn, kind, str(key))


@lru_cache(maxsize=4096)  # the patient, their entries and grants recur in every AuditEvent
def _uuid(mrn: str, kind: str, key: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{mrn}/{kind}/{key}"))


def full_url(resource: dict) -> str:
    return f"urn:uuid:{resource['id']}"


def reference(patient: Patient, kind: str, key: object, display: str = "") -> dict:
    ref = {"reference": f"urn:uuid:{resource_id(patient, kind, key)}"}
    if display:
        ref["display"] = display
    return ref


def patient_reference(patient: Patient) -> dict:
    return reference(patient, "Patient", "", patient.display_name)


def grant_reference_uri(patient: Patient, grant_id: int) -> str:
    return f"urn:uuid:{resource_id(patient, 'Consent', grant_id)}"


def emergency_reference_uri(patient: Patient, emergency_id: int) -> str:
    return f"urn:uuid:{resource_id(patient, 'EmergencyAccess', emergency_id)}"


def instant(moment: dt.datetime) -> str:
    """UTC with its offset, to the microsecond (the access log's own precision)."""
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _text(value: str) -> str | None:
    """FHIR strings may not be empty: leave out what is blank."""
    return value if value and value.strip() else None


def _compact(resource: dict) -> dict:
    """Drop keys whose value is None or an empty list (FHIR allows no empty elements)."""
    return {key: value for key, value in resource.items() if value is not None and value != []}


def _staff_reference(user_id: int, name: str) -> dict:
    return {
        "type": "Practitioner",
        "identifier": {"system": STAFF_SYSTEM, "value": str(user_id)},
        "display": name,
    }


# --- the patient ---------------------------------------------------------------------------------


def patient_resource(patient: Patient) -> dict:
    names = [{"use": "official", "text": patient.legal_name}]
    if patient.preferred_name and patient.preferred_name != patient.legal_name:
        names.append({"use": "usual", "text": patient.preferred_name})
    telecom = [{"system": "email", "value": patient.email}]
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    communication = []
    if patient.preferred_language != Language.OTHER:
        communication.append(
            {
                "language": {
                    "coding": [{"system": BCP47, "code": patient.preferred_language}],
                    "text": patient.get_preferred_language_display(),
                },
                "preferred": True,
            }
        )
    physician = patient.primary_physician
    return _compact(
        {
            "resourceType": "Patient",
            "id": resource_id(patient, "Patient", ""),
            "identifier": [
                {
                    "use": "usual",
                    "type": {
                        "coding": [
                            {
                                "system": IDENTIFIER_TYPE,
                                "code": "MR",
                                "display": "Medical record number",
                            }
                        ]
                    },
                    "system": MRN_SYSTEM,
                    "value": patient.mrn,
                }
            ],
            "active": True,
            "name": names,
            "telecom": telecom,
            "birthDate": patient.date_of_birth.isoformat(),
            "communication": communication,
            "generalPractitioner": (
                [_staff_reference(physician.pk, physician.display_name)] if physician else None
            ),
            "managingOrganization": {"display": patient.site.name},
        }
    )


# --- record entries ------------------------------------------------------------------------------


def security_labels(entry: RecordEntry) -> list[dict]:
    """v3 confidentiality R (restricted) and the kind of sensitivity for sensitive entries; N
    (normal) for the others."""
    if not entry.sensitive:
        return [CONFIDENTIAL_NORMAL]
    labels = [CONFIDENTIAL_RESTRICTED]
    if entry.sensitivity in SENSITIVITY_CODES:
        code, display = SENSITIVITY_CODES[entry.sensitivity]
        labels.append({"system": ACT_CODE, "code": code, "display": display})
    return labels


def _author_name(entry: RecordEntry) -> str:
    return entry.author.display_name


def document_url(entry: RecordEntry) -> str:
    """Where the patient fetches the file (signed in; each download is logged)."""
    path = reverse("portal:record_document", kwargs={"entry_id": entry.pk})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def entry_resource(patient: Patient, entry: RecordEntry) -> dict:
    kind = RESOURCE_TYPE_OF[RecordCategory(entry.category)]
    base = {
        "resourceType": kind,
        "id": resource_id(patient, "RecordEntry", entry.pk),
        "meta": {"security": security_labels(entry)},
    }
    notes = [{"text": entry.body}] if _text(entry.body) else None
    author = {"display": _author_name(entry)}
    recorded_on = entry.recorded_on.isoformat()
    subject = patient_reference(patient)
    if kind == "Observation":
        body = {
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": OBSERVATION_CATEGORY,
                            "code": "laboratory",
                            "display": "Laboratory",
                        }
                    ]
                }
            ],
            "code": {"text": entry.title},
            "subject": subject,
            "effectiveDateTime": recorded_on,
            "issued": instant(entry.created_at),
            "performer": [author],
            "valueString": _text(entry.body),
        }
    elif kind == "MedicationStatement":
        body = {
            "status": "unknown",
            "medicationCodeableConcept": {"text": entry.title},
            "subject": subject,
            "effectiveDateTime": recorded_on,
            "dateAsserted": instant(entry.created_at),
            "informationSource": author,
            "note": notes,
        }
    elif kind == "AllergyIntolerance":
        body = {
            "clinicalStatus": {
                "coding": [{"system": ALLERGY_CLINICAL, "code": "active", "display": "Active"}]
            },
            "code": {"text": entry.title},
            "patient": subject,
            "recordedDate": recorded_on,
            "recorder": author,
            "note": notes,
        }
    elif kind == "Immunization":
        body = {
            "status": "completed",
            "vaccineCode": {"text": entry.title},
            "patient": subject,
            "occurrenceDateTime": recorded_on,
            "recorded": instant(entry.created_at),
            "performer": [{"actor": author}],
            "note": notes,
        }
    else:
        body = _document_reference(entry, subject, author)
    return _compact({**base, **_compact(body)})


def _document_reference(entry: RecordEntry, subject: dict, author: dict) -> dict:
    content = []
    if entry.document:
        attachment = {
            "contentType": entry.document_type or "application/octet-stream",
            "url": document_url(entry),
            "title": _text(entry.document_name) or entry.title,
        }
        if entry.document_size is not None:
            attachment["size"] = entry.document_size
        content.append({"attachment": attachment})
    if _text(entry.body):
        content.append(
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(entry.body.encode()).decode("ascii"),
                    "title": entry.title,
                }
            }
        )
    if not content:
        content.append({"attachment": {"title": entry.title}})
    if entry.category == RecordCategory.VISIT_NOTE:
        doc_type = {
            "coding": [{"system": LOINC, "code": "11506-3", "display": "Progress note"}],
            "text": "Visit note",
        }
    else:
        doc_type = {"text": "Document"}
    return {
        "status": "current",
        "type": doc_type,
        "subject": subject,
        "date": instant(entry.created_at),
        "author": [author],
        "description": entry.title,
        "content": content,
        "context": {"period": {"start": entry.recorded_on.isoformat()}},
    }


# --- consent: grants and answered requests (IHE Privacy Consent on FHIR) -------------------------


def _purpose_codings(purpose: str, purpose_other: str) -> list[dict]:
    if purpose in PURPOSE_CODES:
        code, display = PURPOSE_CODES[Purpose(purpose)]
        return [{"system": ACT_REASON, "code": code, "display": display}]
    return [{"system": PURPOSE_SYSTEM, "code": "other", "display": purpose_other or "other"}]


def _consent_frame(patient: Patient, key: object, *, status: str, date_time: dt.datetime) -> dict:
    return {
        "resourceType": "Consent",
        "id": resource_id(patient, "Consent", key),
        "status": status,
        "scope": {
            "coding": [
                {"system": CONSENT_SCOPE, "code": "patient-privacy", "display": "Privacy Consent"}
            ]
        },
        "category": [
            {"coding": [{"system": LOINC, "code": "59284-0", "display": "Consent Document"}]}
        ],
        "patient": patient_reference(patient),
        "dateTime": instant(date_time),
        "performer": [patient_reference(patient)],
        "organization": [{"display": patient.site.name}],
        "policyRule": {"coding": [{"system": ACT_CODE, "code": "OPTIN", "display": "opt-in"}]},
    }


def _actor(grantee: dict) -> list[dict]:
    return [{"role": INFORMATION_RECIPIENT, "reference": grantee}]


def _scope_of(patient: Patient, scope: str, category: str, entry_id: int | None) -> dict:
    if scope == Scope.ENTRY:
        return {
            "data": [
                {"meaning": "instance", "reference": reference(patient, "RecordEntry", entry_id)}
            ]
        }
    if scope == Scope.CATEGORY:
        return {
            "class": [
                {"system": RESOURCE_TYPES, "code": RESOURCE_TYPE_OF[RecordCategory(category)]}
            ],
            "code": [
                {
                    "coding": [{"system": CATEGORY_SYSTEM, "code": category}],
                    "text": CATEGORY_PLURALS[RecordCategory(category)],
                }
            ],
        }
    return {}


def grant_resource(patient: Patient, grant: ConsentGrant, *, now: dt.datetime) -> dict:
    """One sharing choice: active while it is in force or yet to start, inactive once revoked or
    expired (its provision's period ends then)."""
    state = grant.status(now)
    end = grant.expires_at
    if grant.revoked_at is not None and (end is None or grant.revoked_at < end):
        end = grant.revoked_at
    period = {"start": instant(grant.starts_at)}
    if end is not None:
        period["end"] = instant(end)
    if grant.grantee_user_id:
        grantee = _staff_reference(grant.grantee_user_id, grant.grantee_user.display_name)
    else:
        grantee = {"type": "CareTeam", "display": grant.grantee_team.name}
    provision = {
        "type": "permit",
        "period": period,
        "actor": _actor(grantee),
        "purpose": _purpose_codings(grant.purpose, grant.purpose_other),
        **_scope_of(patient, grant.scope, grant.category, grant.entry_id),
    }
    if grant.scope != Scope.ENTRY and not grant.include_sensitive:
        # Sensitive entries are not part of a broad grant unless the patient said so.
        provision["provision"] = [{"type": "deny", "securityLabel": [CONFIDENTIAL_RESTRICTED]}]
    resource = _consent_frame(
        patient,
        grant.pk,
        status="active" if state in ("active", "scheduled") else "inactive",
        date_time=grant.created_at,
    )
    resource["meta"] = {
        "tag": [
            {
                "system": GIVEN_VIA_SYSTEM,
                "code": grant.given_via,
                "display": grant.get_given_via_display(),
            },
            {"system": CONSENT_STATE_SYSTEM, "code": state},
        ]
    }
    if grant.given_via == GivenVia.IN_PERSON:
        # Told to staff face to face at the visit: verified with the patient there.
        resource["verification"] = [
            {
                "verified": True,
                "verifiedWith": patient_reference(patient),
                "verificationDate": instant(
                    grant.visit.starts_at if grant.visit_id else grant.created_at
                ),
            }
        ]
    resource["provision"] = provision
    return resource


def request_resource(patient: Patient, request: AccessRequest) -> dict:
    """A physician's request the patient declined (rejected) or has not answered (proposed).
    Approved requests became grants and are exported as those."""
    status = "rejected" if request.status == RequestStatus.DECLINED else "proposed"
    resource = _consent_frame(
        patient,
        f"request-{request.pk}",
        status=status,
        date_time=request.decided_at or request.created_at,
    )
    resource["meta"] = {
        "tag": [{"system": CONSENT_STATE_SYSTEM, "code": f"request-{request.status}"}]
    }
    resource["provision"] = {
        "type": "permit",
        "actor": _actor(_staff_reference(request.physician_id, request.physician.display_name)),
        "purpose": _purpose_codings(request.purpose, request.purpose_other),
        **_scope_of(patient, request.scope, request.category, None),
    }
    return resource


# --- the access log (IHE Basic Audit Log Patterns) -----------------------------------------------


def emergency_resource(patient: Patient, emergency: EmergencyAccess) -> dict:
    """Break-glass: a physician read the record without consent, under purpose of use BTG, for
    a short window; reviewed by a privacy officer. Every read it allowed is an AuditEvent whose
    agent's policy points here."""
    details = [
        {"type": "situation", "valueString": emergency.get_situation_display()},
        {"type": "reason", "valueString": emergency.reason},
        {"type": "review-outcome", "valueString": emergency.review_outcome},
    ]
    if emergency.reviewed_at is not None:
        details.append({"type": "reviewed-at", "valueString": instant(emergency.reviewed_at)})
    if emergency.end_reason:
        details.append({"type": "ended-early", "valueString": emergency.get_end_reason_display()})
    return {
        "resourceType": "AuditEvent",
        "id": resource_id(patient, "EmergencyAccess", emergency.pk),
        "meta": {
            "tag": [
                {
                    "system": REVIEW_SYSTEM,
                    "code": emergency.review_outcome,
                    "display": emergency.get_review_outcome_display(),
                }
            ]
        },
        "type": {"system": DICOM, "code": "110113", "display": "Security Alert"},
        "subtype": [{"system": DICOM, "code": "110127", "display": "Emergency Override Started"}],
        "action": "E",
        "period": {"start": instant(emergency.opened_at), "end": instant(emergency.closed_at)},
        "recorded": instant(emergency.opened_at),
        "outcome": "0",
        "purposeOfEvent": [{"coding": [BREAK_THE_GLASS, EMERGENCY_TREATMENT]}],
        "agent": [
            {
                "type": INFORMATION_RECIPIENT,
                "role": [{"coding": [{"system": ROLE_SYSTEM, "code": "physician"}]}],
                "who": _staff_reference(emergency.physician_id, emergency.physician.display_name),
                "requestor": True,
                "policy": [emergency_reference_uri(patient, emergency.pk)],
            }
        ],
        "source": SOURCE,
        "entity": [
            {"what": patient_reference(patient), "type": PERSON_ENTITY, "role": PATIENT_ROLE},
            {
                "what": {"identifier": {"system": EMERGENCY_SYSTEM, "value": str(emergency.pk)}},
                "type": OBJECT_ENTITY,
                "name": "Emergency access",
                "detail": details,
            },
        ],
    }


TARGET_LABELS = dict(AccessTarget.choices)


def _event_type(event: AccessEvent) -> tuple[dict, list[dict]]:
    if event.action == AccessAction.EXPORT:
        return {"system": DICOM, "code": "110106", "display": "Export"}, []
    interaction = (
        "read" if event.target in (AccessTarget.ENTRY, AccessTarget.DOCUMENT) else ("search-type")
    )
    return (
        {"system": AUDIT_EVENT_TYPE, "code": "rest", "display": "Restful Operation"},
        [{"system": RESTFUL_INTERACTION, "code": interaction}],
    )


def _event_purpose(event: AccessEvent, grant_purposes: dict[int, tuple[str, str]]) -> dict:
    if event.basis == AccessBasis.SELF:
        codings = [PATIENT_REQUESTED]
    elif event.basis == AccessBasis.EMERGENCY:
        codings = [BREAK_THE_GLASS, EMERGENCY_TREATMENT]
    elif event.basis == AccessBasis.PROXY:
        codings = [
            POWER_OF_ATTORNEY if event.actor_relationship == "attorney" else FAMILY_REQUESTED
        ]
    else:
        codings = _purpose_codings(*grant_purposes.get(event.grant_id, ("other", event.purpose)))
    return {"coding": codings, "text": event.purpose}


def access_event_resource(
    patient: Patient,
    event: AccessEvent,
    *,
    grant_purposes: dict[int, tuple[str, str]],
    sensitive_entry_ids: set[int],
) -> dict:
    """One read of the record, as BALP's patient-privacy read. Its sequence, hash and previous
    hash are identifiers of the log entity, with the canonical bytes the hash covers, so the
    export can be checked against the chain (sha256 of `canonical` is `hash`)."""
    event_type, subtype = _event_type(event)
    if event.basis == AccessBasis.SELF:
        who = patient_reference(patient)
        policy = None
    elif event.basis == AccessBasis.PROXY:
        # Someone acting for the patient, named as the log names them ("Ana Santos, as your
        # carer"): a person related to the patient, not a practitioner.
        who = {
            "type": "RelatedPerson",
            "identifier": {"system": PROXY_SYSTEM, "value": str(event.proxy_access_id)},
            "display": event.actor_label,
        }
        policy = None
    else:
        who = _staff_reference(event.actor_id, event.actor_name)
        if event.basis == AccessBasis.GRANT and event.grant_id:
            policy = [grant_reference_uri(patient, event.grant_id)]
        elif event.emergency_id:
            policy = [emergency_reference_uri(patient, event.emergency_id)]
        else:
            policy = None
    agent = _compact(
        {
            "type": INFORMATION_RECIPIENT,
            "role": [{"coding": [{"system": ROLE_SYSTEM, "code": event.actor_role}]}],
            "who": who,
            "requestor": True,
            "policy": policy,
        }
    )
    entities = [{"what": patient_reference(patient), "type": PERSON_ENTITY, "role": PATIENT_ROLE}]
    if event.entry_id:
        item = {
            "what": reference(patient, "RecordEntry", event.entry_id),
            "type": OBJECT_ENTITY,
            "role": RESOURCE_ROLE,
            "name": TARGET_LABELS[event.target],
        }
        if event.entry_id in sensitive_entry_ids:
            item["securityLabel"] = [CONFIDENTIAL_RESTRICTED]
        entities.append(item)
    elif event.category:
        entities.append(
            {
                "what": {"display": CATEGORY_PLURALS[RecordCategory(event.category)]},
                "type": OBJECT_ENTITY,
                "role": QUERY_ROLE,
                "name": TARGET_LABELS[event.target],
            }
        )
    else:
        entities.append(
            {
                "what": {"display": TARGET_LABELS[event.target]},
                "type": OBJECT_ENTITY,
                "role": QUERY_ROLE,
                "name": TARGET_LABELS[event.target],
            }
        )
    entities.append(
        {
            "what": {"identifier": {"system": ACCESS_LOG_SYSTEM, "value": str(event.sequence)}},
            "type": OBJECT_ENTITY,
            "name": "Access log event",
            "detail": [
                {"type": "sequence", "valueString": str(event.sequence)},
                {"type": "hash", "valueString": event.hash},
                {"type": "prev_hash", "valueString": event.prev_hash},
                {"type": "hash_version", "valueString": str(event.hash_version)},
                {
                    "type": "canonical",
                    "valueBase64Binary": base64.b64encode(canonical_bytes(event)).decode("ascii"),
                },
            ],
        }
    )
    return _compact(
        {
            "resourceType": "AuditEvent",
            "id": resource_id(patient, "AccessEvent", event.sequence),
            "type": event_type,
            "subtype": subtype,
            "action": "R",
            "recorded": instant(event.occurred_at),
            "outcome": "0",
            "purposeOfEvent": [_event_purpose(event, grant_purposes)],
            "agent": [agent],
            "source": SOURCE,
            "entity": entities,
        }
    )
