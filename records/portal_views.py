"""The patient's own record, or the record of someone the signed-in person acts for (as far as
their proxy access allows): every entry, by category, and its documents."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accesslog.models import AccessAction
from consent.access import read_entry, read_record, record_content_view
from patients.models import CATEGORY_PLURALS, RecordCategory
from proxies.acting import portal_area
from proxies.models import ProxyArea

from .documents import document_response


def category_or_404(value: str) -> str:
    if value and value not in RecordCategory.values:
        raise Http404("No such category.")
    return value


@portal_area(ProxyArea.RECORD)
@record_content_view
def records(request: HttpRequest) -> HttpResponse:
    category = category_or_404(request.GET.get("category", ""))
    _standing, entries = read_record(request.reader, request.patient.pk, category=category)
    groups = []
    for value, label in RecordCategory.choices:
        in_group = [entry for entry in entries if entry.category == value]
        if in_group or category == value:
            groups.append(
                {
                    "value": value,
                    "label": label,
                    "plural": CATEGORY_PLURALS[value],
                    "entries": in_group,
                }
            )
    return TemplateResponse(
        request,
        "records/portal_records.html",
        {"groups": groups, "category": category, "categories": RecordCategory.choices},
    )


@portal_area(ProxyArea.RECORD)
@record_content_view
def record_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    _standing, entry = read_entry(request.reader, request.patient.pk, entry_id)
    return TemplateResponse(request, "records/portal_record_entry.html", {"entry": entry})


@portal_area(ProxyArea.RECORD)
@record_content_view
def record_document(request: HttpRequest, entry_id: int) -> HttpResponse:
    _standing, entry = read_entry(
        request.reader, request.patient.pk, entry_id, action=AccessAction.DOWNLOAD
    )
    return document_response(entry)
