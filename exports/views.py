"""The patient takes their data: a FHIR R4B bundle to download, and a summary to print."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accesslog.models import AccessAction
from clinic.decorators import patient_required
from consent.access import read_export, record_content_view
from patients.models import ChecklistItem
from patients.services import note_portal_step

from . import bundle
from .summary import summarise


@require_GET
@patient_required
@record_content_view
def fhir_export(request: HttpRequest) -> HttpResponse:
    """The whole record, sharing choices and access log as one download. The export is logged
    first (committed when this view returns); the file is then streamed in bounded memory and
    holds the log up to and including that event."""
    standing = read_export(request.reader, request.patient.pk)
    (event,) = request.reader.events
    note_portal_step(request, ChecklistItem.EXPORT)
    response = StreamingHttpResponse(
        bundle.stream(standing.patient, event), content_type=bundle.CONTENT_TYPE
    )
    day = timezone.localdate(event.occurred_at)
    response["Content-Disposition"] = f'attachment; filename="rapport-record-{day:%Y-%m-%d}.json"'
    return response


@require_GET
@patient_required
@record_content_view
def export_summary(request: HttpRequest) -> HttpResponse:
    standing = read_export(request.reader, request.patient.pk, action=AccessAction.VIEW)
    (event,) = request.reader.events
    note_portal_step(request, ChecklistItem.EXPORT)
    return render(
        request,
        "exports/summary.html",
        {"summary": summarise(standing.patient, event), "event": event},
    )
