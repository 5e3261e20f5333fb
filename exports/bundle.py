"""The FHIR R4B collection bundle of one patient's data, written as a stream of bytes.

Memory stays bounded whatever the size of the record and the log: rows are read in chunks
(`QuerySet.iterator`), each resource is serialised as soon as it is built, and the output leaves in
chunks of about 64 KiB. What the bundle holds is fixed by the export's own access event: entries
and sharing choices made up to that instant, and the access log up to and including that event,
so reads logged while the file streams do not slip in half-way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import orjson
from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

from accesslog.models import AccessEvent
from consent.models import AccessRequest, ConsentGrant, EmergencyAccess, RequestStatus
from patients.models import Patient, RecordEntry

from . import fhir

CHUNK_ROWS = 1000
FLUSH_BYTES = 64 * 1024
CONTENT_TYPE = "application/fhir+json; charset=utf-8"


def _display_text(value) -> str:
    """Labels are translatable (lazy) strings; the file for other systems is in the clinic's
    language whatever the patient reads the portal in, so two exports stay alike."""
    if isinstance(value, Promise):
        with translation.override(settings.LANGUAGE_CODE):
            return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _dumps(value: dict) -> bytes:
    """Compact UTF-8 JSON (orjson: about ten times faster than json on these resources)."""
    return orjson.dumps(value, default=_display_text)


def export_cutoff(export_event: AccessEvent) -> tuple[dt.datetime, int]:
    return export_event.occurred_at, export_event.sequence


def entries_of(patient: Patient, *, until: dt.datetime):
    return (
        RecordEntry.objects.filter(patient=patient, created_at__lte=until)
        .select_related("author__staff_profile")
        .order_by("id")
    )


def grants_of(patient: Patient, *, until: dt.datetime):
    return (
        ConsentGrant.objects.filter(patient=patient, created_at__lte=until)
        .with_people()
        .order_by("id")
    )


def open_requests_of(patient: Patient, *, until: dt.datetime):
    """Requests the patient declined or has not answered (approved ones are grants)."""
    return (
        AccessRequest.objects.filter(
            patient=patient,
            created_at__lte=until,
            status__in=(RequestStatus.DECLINED, RequestStatus.PENDING),
        )
        .select_related("physician__staff_profile")
        .order_by("id")
    )


def emergencies_of(patient: Patient, *, until: dt.datetime):
    return (
        EmergencyAccess.objects.filter(patient=patient, opened_at__lte=until)
        .select_related("physician__staff_profile")
        .order_by("id")
    )


def events_of(patient: Patient, *, up_to_sequence: int):
    return AccessEvent.objects.filter(patient=patient, sequence__lte=up_to_sequence).order_by(
        "sequence"
    )


def resources(patient: Patient, export_event: AccessEvent) -> Iterator[dict]:
    """Every resource of the bundle, in a fixed order: the patient, the record, the sharing
    choices, emergency accesses, then the access log by sequence."""
    until, sequence = export_cutoff(export_event)
    now = export_event.occurred_at
    patient = Patient.objects.select_related("site", "primary_physician__staff_profile").get(
        pk=patient.pk
    )
    yield fhir.patient_resource(patient)
    sensitive: set[int] = set()
    for entry in entries_of(patient, until=until).iterator(chunk_size=CHUNK_ROWS):
        if entry.sensitive:
            sensitive.add(entry.pk)
        yield fhir.entry_resource(patient, entry)
    purposes: dict[int, tuple[str, str]] = {}
    for grant in grants_of(patient, until=until).iterator(chunk_size=CHUNK_ROWS):
        purposes[grant.pk] = (grant.purpose, grant.purpose_other)
        yield fhir.grant_resource(patient, grant, now=now)
    for request in open_requests_of(patient, until=until).iterator(chunk_size=CHUNK_ROWS):
        yield fhir.request_resource(patient, request)
    for emergency in emergencies_of(patient, until=until).iterator(chunk_size=CHUNK_ROWS):
        yield fhir.emergency_resource(patient, emergency)
    for event in events_of(patient, up_to_sequence=sequence).iterator(chunk_size=CHUNK_ROWS):
        yield fhir.access_event_resource(
            patient, event, grant_purposes=purposes, sensitive_entry_ids=sensitive
        )


def bundle_header(patient: Patient, export_event: AccessEvent) -> dict:
    return {
        "resourceType": "Bundle",
        "id": fhir.resource_id(patient, "Bundle", export_event.sequence),
        "meta": {"lastUpdated": fhir.instant(export_event.occurred_at)},
        "identifier": {
            "system": fhir.ACCESS_LOG_SYSTEM,
            "value": str(export_event.sequence),
        },
        "type": "collection",
        "timestamp": fhir.instant(export_event.occurred_at),
    }


def stream(patient: Patient, export_event: AccessEvent) -> Iterator[bytes]:
    """The bundle as JSON, in chunks."""
    header = _dumps(bundle_header(patient, export_event))
    return _chunked(_pieces(header[:-1] + b',"entry":[', resources(patient, export_event)))


def _pieces(opening: bytes, items: Iterable[dict]) -> Iterator[bytes]:
    yield opening
    separator = b""
    for resource in items:
        yield separator + _dumps({"fullUrl": fhir.full_url(resource), "resource": resource})
        separator = b","
    yield b"]}"


def _chunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    buffer: list[bytes] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= FLUSH_BYTES:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)
