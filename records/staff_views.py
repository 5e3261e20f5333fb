"""Physicians: the patients they may see now, their records, and adding entries."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from accesslog.models import AccessAction
from clinic.decorators import physician_required
from clinic.forms import add_service_error
from consent.access import Reader, read_entry, read_record, record_content_view, standing_of
from consent.selectors import patients_visible_to
from patients.models import RecordCategory

from .documents import document_response
from .forms import PatientSearchForm, RecordEntryForm
from .portal_views import category_or_404
from .services import create_record_entry


@physician_required
def patient_list(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET or None)
    patients = patients_visible_to(request.user).select_related(
        "site", "primary_physician__staff_profile"
    )
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        if query:
            patients = patients.filter(
                Q(legal_name__icontains=query)
                | Q(preferred_name__icontains=query)
                | Q(mrn__iexact=query.replace(" ", ""))
            )
    page = Paginator(patients.order_by("legal_name", "id"), 25).get_page(request.GET.get("page"))
    return render(
        request, "records/staff_patient_list.html", {"form": form, "page": page, "query": query}
    )


@physician_required
@record_content_view
def patient_record(request: HttpRequest, patient_id: int) -> HttpResponse:
    category = category_or_404(request.GET.get("category", ""))
    standing, entries = read_record(request.reader, patient_id, category=category)
    return TemplateResponse(
        request,
        "records/staff_patient_record.html",
        {
            "access": standing,
            "patient": standing.patient,
            "entries": entries,
            "category": category,
            "categories": RecordCategory.choices,
            "can_write": standing.writable_categories() != set(),
        },
    )


@physician_required
@record_content_view
def patient_entry(request: HttpRequest, patient_id: int, entry_id: int) -> HttpResponse:
    standing, entry = read_entry(request.reader, patient_id, entry_id)
    return TemplateResponse(
        request,
        "records/staff_patient_entry.html",
        {"access": standing, "patient": standing.patient, "entry": entry},
    )


@physician_required
@record_content_view
def patient_document(request: HttpRequest, patient_id: int, entry_id: int) -> HttpResponse:
    _standing, entry = read_entry(
        request.reader, patient_id, entry_id, action=AccessAction.DOWNLOAD
    )
    return document_response(entry)


@physician_required
@require_http_methods(["GET", "POST"])
def entry_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    standing = standing_of(Reader.for_request(request), patient_id)
    categories = standing.writable_categories()
    if categories == set():
        raise Http404("You cannot add to this record.")
    form = RecordEntryForm(request.POST or None, request.FILES or None, categories=categories)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            create_record_entry(
                patient=standing.patient,
                author=request.user,
                category=data["category"],
                title=data["title"],
                body=data["body"],
                recorded_on=data["recorded_on"],
                sensitive=data["sensitive"],
                sensitivity=data["sensitivity"],
                document=data.get("document"),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "The entry was added to the record.")
            return redirect("staff:patient_record", patient_id=standing.patient.pk)
    return render(
        request, "records/staff_entry_form.html", {"form": form, "patient": standing.patient}
    )
