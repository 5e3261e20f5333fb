"""Physicians: finding a patient they cannot see yet, asking for access, and emergency access."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic.decorators import physician_required
from clinic.forms import add_service_error
from patients.models import Patient

from . import services
from .forms import AccessRequestForm, EmergencyAccessForm, FindPatientForm, normalise_mrn
from .models import AccessRequest
from .selectors import emergency_access_open_for, patients_visible_to


def _patient_by_mrn(mrn: str) -> Patient | None:
    return Patient.objects.select_related("site").filter(mrn=mrn).first()


@physician_required
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
            can_see=patients_visible_to(request.user).filter(pk=patient.pk).exists(),
            request_form=request_form or AccessRequestForm(initial=initial),
            emergency_form=emergency_form or EmergencyAccessForm(initial=initial),
        )
    return render(request, "consent/staff_find_patient.html", context)


def _posted_patient(form) -> Patient:
    patient = _patient_by_mrn(normalise_mrn(form.data.get("mrn", "")))
    if patient is None:
        raise Http404("No such patient.")
    return patient


@physician_required
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
            add_service_error(form, error)
        else:
            if patient.user_id:
                sent = f"Your request was sent to {patient.display_name}."
            else:
                sent = (
                    f"Your request is recorded. {patient.display_name} has no portal account "
                    "yet, so the clinic will tell them by letter or phone; they can answer once "
                    "their account is active."
                )
            messages.success(request, sent)
            return redirect("staff:access_requests")
    return _find_page(request, patient, request_form=form)


@physician_required
@require_POST
def emergency_new(request: HttpRequest) -> HttpResponse:
    form = EmergencyAccessForm(request.POST)
    patient = _posted_patient(form)
    if form.is_valid():
        already = emergency_access_open_for(request.user, patient.pk)
        try:
            access = services.open_emergency_access(
                physician=request.user,
                patient=patient,
                situation=form.cleaned_data["situation"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            until = f"{timezone.localtime(access.closed_at):%H:%M}"
            if already is not None:
                messages.info(
                    request,
                    f"You already have emergency access to this record until {until}. Nothing "
                    "new was opened and the time was not extended.",
                )
            elif patient.user_id:
                messages.warning(
                    request,
                    f"Emergency access is open until {until}. The patient has been told and a "
                    "privacy officer will review it.",
                )
            else:
                messages.warning(
                    request,
                    f"Emergency access is open until {until}. This patient has no portal "
                    "account, so the clinic will tell them by letter or phone; a privacy officer "
                    "will review it.",
                )
            return redirect("staff:patient_record", patient_id=patient.pk)
    return _find_page(request, patient, emergency_form=form)


@physician_required
def access_requests(request: HttpRequest) -> HttpResponse:
    requests = AccessRequest.objects.filter(physician=request.user).select_related("patient")
    page = Paginator(requests, 25).get_page(request.GET.get("page"))
    return render(request, "consent/staff_access_requests.html", {"page": page})
