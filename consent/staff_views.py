"""Physicians: patients they may see, their records, access requests and emergency access."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic.decorators import role_required
from clinic.models import Role
from patients.models import Patient, RecordCategory
from patients.records import create_record_entry

from . import services
from .access import read_patient_entry, read_patient_record, record_content_view, staff_access
from .forms import (
    AccessRequestForm,
    EmergencyAccessForm,
    FindPatientForm,
    PatientSearchForm,
    RecordEntryForm,
    normalise_mrn,
)
from .models import AccessAction, AccessRequest
from .portal_views import _category_or_404, document_response

physician_only = role_required(Role.PHYSICIAN)


@physician_only
def patient_list(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET or None)
    patients = Patient.objects.visible_to(request.user).select_related(
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
        request, "consent/staff_patient_list.html", {"form": form, "page": page, "query": query}
    )


@physician_only
@record_content_view
def patient_record(request: HttpRequest, patient_id: int) -> HttpResponse:
    category = _category_or_404(request.GET.get("category", ""))
    access, entries = read_patient_record(request, patient_id, category=category)
    return render(
        request,
        "consent/staff_patient_record.html",
        {
            "access": access,
            "patient": access.patient,
            "entries": entries,
            "category": category,
            "categories": RecordCategory.choices,
            "can_write": access.writable_categories() != set(),
        },
    )


@physician_only
@record_content_view
def patient_entry(request: HttpRequest, patient_id: int, entry_id: int) -> HttpResponse:
    access, entry = read_patient_entry(request, patient_id, entry_id)
    return render(
        request,
        "consent/staff_patient_entry.html",
        {"access": access, "patient": access.patient, "entry": entry},
    )


@physician_only
@record_content_view
def patient_document(request: HttpRequest, patient_id: int, entry_id: int) -> HttpResponse:
    _access, entry = read_patient_entry(request, patient_id, entry_id, action=AccessAction.DOWNLOAD)
    return document_response(entry)


@physician_only
@require_http_methods(["GET", "POST"])
def entry_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    access = staff_access(request, patient_id)
    categories = access.writable_categories()
    if categories == set():
        raise Http404("You cannot add to this record.")
    form = RecordEntryForm(request.POST or None, request.FILES or None, categories=categories)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            create_record_entry(
                patient=access.patient,
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
            form.add_error(None, error)
        else:
            messages.success(request, "The entry was added to the record.")
            return redirect("staff:patient_record", patient_id=access.patient.pk)
    return render(
        request, "consent/staff_entry_form.html", {"form": form, "patient": access.patient}
    )


# --- patients a physician cannot see yet --------------------------------------------------------


def _patient_by_mrn(mrn: str) -> Patient | None:
    return Patient.objects.select_related("site").filter(mrn=mrn).first()


@physician_only
@require_http_methods(["GET", "POST"])
def find_patient(request: HttpRequest) -> HttpResponse:
    """Look a patient up by MRN to ask for access or, in an emergency, break the glass. Shows only
    name and date of birth, to confirm it is the right person."""
    form = FindPatientForm(request.POST or None)
    patient = None
    if request.method == "POST" and form.is_valid():
        patient = _patient_by_mrn(form.cleaned_data["mrn"])
        if patient is None:
            form.add_error("mrn", "No patient has this MRN. Please check it.")
    return _find_page(request, patient, form=form)


def _find_page(
    request: HttpRequest,
    patient: Patient | None,
    *,
    form: FindPatientForm | None = None,
    request_form: AccessRequestForm | None = None,
    emergency_form: EmergencyAccessForm | None = None,
) -> HttpResponse:
    """The find page, with the request and emergency forms for a found patient (blank, or the
    one just posted with its errors)."""
    context: dict = {"form": form or FindPatientForm(initial={"mrn": getattr(patient, "mrn", "")})}
    if patient is not None:
        initial = {"mrn": patient.mrn}
        context.update(
            patient=patient,
            can_see=Patient.objects.visible_to(request.user).filter(pk=patient.pk).exists(),
            request_form=request_form or AccessRequestForm(initial=initial),
            emergency_form=emergency_form or EmergencyAccessForm(initial=initial),
        )
    return render(request, "consent/staff_find_patient.html", context)


def _posted_patient(form) -> Patient:
    patient = _patient_by_mrn(normalise_mrn(form.data.get("mrn", "")))
    if patient is None:
        raise Http404("No such patient.")
    return patient


@physician_only
@require_POST
def access_request_new(request: HttpRequest) -> HttpResponse:
    form = AccessRequestForm(request.POST)
    patient = _posted_patient(form)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.request_access(
                physician=request.user,
                patient=patient,
                scope=data["scope"],
                category=data.get("category") or "",
                purpose=data["purpose"],
                purpose_other=data["purpose_other"],
                message=data["message"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Your request was sent to {patient.display_name}.")
            return redirect("staff:access_requests")
    return _find_page(request, patient, request_form=form)


@physician_only
@require_POST
def emergency_new(request: HttpRequest) -> HttpResponse:
    form = EmergencyAccessForm(request.POST)
    patient = _posted_patient(form)
    if form.is_valid():
        try:
            access = services.open_emergency_access(
                physician=request.user, patient=patient, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.warning(
                request,
                f"Emergency access is open until {timezone.localtime(access.expires_at):%H:%M}. "
                "The patient has been told and a privacy officer will review it.",
            )
            return redirect("staff:patient_record", patient_id=patient.pk)
    return _find_page(request, patient, emergency_form=form)


@physician_only
def access_requests(request: HttpRequest) -> HttpResponse:
    requests = AccessRequest.objects.filter(physician=request.user).select_related("patient")
    page = Paginator(requests, 25).get_page(request.GET.get("page"))
    return render(request, "consent/staff_access_requests.html", {"page": page})
