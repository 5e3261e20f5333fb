"""fhir.resources checks structure, not coded values: every code the export emits is pinned here
against the value set it comes from (known answers, written out by hand)."""

from __future__ import annotations

from tests.exports.conftest import export, resources_of

HL7 = "http://terminology.hl7.org/CodeSystem/"
KNOWN_CODES = {
    HL7 + "v3-Confidentiality": {"N", "R"},
    HL7 + "v3-ActCode": {"MH", "SEX", "ETH", "GDIS", "OPTIN"},
    HL7 + "v3-ActReason": {
        "TREAT",
        "COC",
        "HRESCH",
        "PATRQT",
        "ETREAT",
        "BTG",
        "FAMRQT",
        "PWATRNY",
    },
    HL7 + "v3-ParticipationType": {"IRCP"},
    HL7 + "consentscope": {"patient-privacy"},
    HL7 + "observation-category": {"laboratory"},
    HL7 + "allergyintolerance-clinical": {"active"},
    HL7 + "v2-0203": {"MR"},
    HL7 + "audit-event-type": {"rest"},
    HL7 + "audit-entity-type": {"1", "2"},
    HL7 + "object-role": {"1", "4", "24"},
    HL7 + "security-source-type": {"4"},
    "http://hl7.org/fhir/restful-interaction": {"read", "search-type"},
    "http://hl7.org/fhir/resource-types": {
        "Observation",
        "MedicationStatement",
        "AllergyIntolerance",
        "Immunization",
        "DocumentReference",
    },
    "http://loinc.org": {"59284-0", "11506-3"},
    "http://dicom.nema.org/resources/ontology/DCM": {"110106", "110113", "110127"},
    "urn:ietf:bcp:47": {"en", "es", "fr", "pt", "pl", "ar", "zh"},
}
# The portal's own code systems, with the codes their TextChoices allow.
OWN_SYSTEMS = {
    "urn:rapport:role": {"patient", "physician"},
    "urn:rapport:record-category": {
        "visit_note",
        "lab_result",
        "medication",
        "allergy",
        "immunization",
        "document",
    },
    "urn:rapport:consent-given-via": {"in_person", "portal", "access_request"},
    "urn:rapport:consent-state": {
        "active",
        "scheduled",
        "expired",
        "revoked",
        "request-declined",
        "request-pending",
    },
    "urn:rapport:purpose": {"other"},
    "urn:rapport:emergency-review": {"pending", "appropriate", "inappropriate"},
}
STATUSES = {
    "Consent": {"active", "inactive", "rejected", "proposed"},
    "Observation": {"final"},
    "MedicationStatement": {"unknown"},
    "Immunization": {"completed"},
    "DocumentReference": {"current"},
}


def codings(value):
    if isinstance(value, dict):
        if "system" in value and "code" in value:
            yield value["system"], value["code"]
        for item in value.values():
            yield from codings(item)
    elif isinstance(value, list):
        for item in value:
            yield from codings(item)


def test_every_code_comes_from_its_value_set(client, world):
    client.force_login(world.patient_user)
    bundle = export(client)
    seen = set(codings(bundle))
    allowed = {**KNOWN_CODES, **OWN_SYSTEMS}
    unknown = {(system, code) for system, code in seen if code not in allowed.get(system, ())}
    assert not unknown
    # The rich world exercises the codes that matter.
    for pair in [
        (HL7 + "v3-Confidentiality", "R"),
        (HL7 + "v3-ActReason", "BTG"),
        (HL7 + "v3-ActReason", "PATRQT"),
        ("http://dicom.nema.org/resources/ontology/DCM", "110127"),
        ("http://dicom.nema.org/resources/ontology/DCM", "110106"),
    ]:
        assert pair in seen


def test_statuses_and_actions_are_from_their_value_sets(client, world):
    client.force_login(world.patient_user)
    bundle = export(client)
    for resource in resources_of(bundle):
        kind = resource["resourceType"]
        if kind in STATUSES:
            assert resource["status"] in STATUSES[kind], kind
        if kind == "AuditEvent":
            assert resource["action"] in {"R", "E"}
            assert resource["outcome"] == "0"
        if kind == "Consent":
            assert resource["provision"]["type"] in {"permit"}
            for nested in resource["provision"].get("provision", []):
                assert nested["type"] == "deny"
