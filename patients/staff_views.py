"""Front desk pages under /staff/onboarding/: register, find, schedule, and run the visit.

The staff-area middleware has already required a signed-in staff member with two-step
verification; each view also requires the front desk or admin role and loads objects through
`patients.access`. Forms post, then redirect; the one exception is issuing an activation code,
whose response is the printable handout, because the code exists nowhere else to show later.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic.decorators import front_desk_required
from clinic.extensions import collect
from clinic.forms import add_service_error, service_error_text
from clinic.i18n import language_for_patient
from keptforms.keeping import keeps_typed_form, prefill, take_kept_form

from . import appointments, services
from .access import get_appointment_for, get_patient_for, get_visit_for
from .codes import format_activation_code
from .forms import (
    AppointmentForm,
    CancelVisitForm,
    ChecklistEntryForm,
    DayFilterForm,
    IdentityCheckForm,
    PatientDetailsForm,
    PatientForm,
    PatientSearchForm,
    SlotForm,
    TwoStepResetForm,
)
from .models import ActivationCode, OnboardingVisit, Patient, VisitStatus


def _token(raw: str | None) -> uuid.UUID | None:
    """A form's idempotency token, or None when it is missing or not a UUID."""
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError):
        return None


# --- Day view and patients ------------------------------------------------------------------------


@front_desk_required
@require_GET
def day_view(request: HttpRequest) -> HttpResponse:
    """Visits of one day (today unless chosen), per site, in time order, with their status."""
    form = DayFilterForm(request.GET or None)
    day, site = timezone.localdate(), None
    if form.is_bound and form.is_valid():
        day = form.cleaned_data["date"] or day
        site = form.cleaned_data["site"]
    visits = OnboardingVisit.objects.on_day(day).for_day_view()
    if site is not None:
        visits = visits.filter(site=site)
    by_site = [(site_, list(rows)) for site_, rows in groupby(visits, key=lambda v: v.site)]
    site_query = f"&site={site.pk}" if site is not None else ""
    return render(
        request,
        "patients/staff/day_view.html",
        {
            "form": form,
            "day": day,
            "is_today": day == timezone.localdate(),
            "by_site": by_site,
            "chosen_site": site,
            "previous_day_query": f"?date={day - timedelta(days=1):%Y-%m-%d}{site_query}",
            "next_day_query": f"?date={day + timedelta(days=1):%Y-%m-%d}{site_query}",
        },
    )


@front_desk_required
@require_GET
def patient_search(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET or None)
    patients: list[Patient] = []
    searched = form.is_bound
    if not form.is_bound:
        patients = list(Patient.objects.for_front_desk().order_by("-created_at", "-id")[:20])
    elif form.is_valid():
        query = form.cleaned_data["q"]
        patients = list(Patient.objects.search(query).for_front_desk()[:50]) if query else []
    return render(
        request,
        "patients/staff/patient_search.html",
        {"form": form, "patients": patients, "searched": searched},
    )


def _details(data: dict) -> dict:
    """The patient's details from a valid PatientForm or PatientDetailsForm, as the services
    take them."""
    return {name: data[name] for name in services.DETAIL_LABELS}


@keeps_typed_form(fields=PatientForm, exclude=["confirm_not_duplicate"])
@front_desk_required
@require_http_methods(["GET", "POST"])
def patient_create(request: HttpRequest) -> HttpResponse:
    """Register a patient; warn about a likely duplicate (same name and date of birth) first."""
    duplicates: list[Patient] = []
    if request.method == "POST":
        token = _token(request.POST.get("registration_token")) or uuid.uuid4()
        form = PatientForm(
            request.POST, ask_duplicate_confirmation="confirm_not_duplicate" in request.POST
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                patient = services.register_patient(
                    created_by=request.user,
                    **_details(data),
                    registration_token=token,
                    allow_duplicate=data.get("confirm_not_duplicate", False),
                )
            except services.LikelyDuplicate as warning:
                duplicates = warning.matches
                form = PatientForm(request.POST, ask_duplicate_confirmation=True)
                form.is_valid()
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request, f"{patient.display_name} is registered with MRN {patient.mrn}."
                )
                return redirect("staff:onboarding_patient", pk=patient.pk)
    else:
        token = uuid.uuid4()
        form = PatientForm(initial={"site": getattr(request.user.staff_profile, "site_id", None)})
        prefill(form, take_kept_form(request, "staff:onboarding_patient_create"))
    return render(
        request,
        "patients/staff/patient_form.html",
        {"form": form, "duplicates": duplicates, "registration_token": token},
        status=200,
    )


@front_desk_required
@require_GET
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_patient_for(request.user, pk)
    visits = list(
        patient.onboarding_visits.select_related("site", "staff_member__staff_profile").order_by(
            "-starts_at"
        )
    )
    codes = list(
        ActivationCode.objects.filter(patient=patient).select_related("issued_by__staff_profile")
    )
    return render(
        request,
        "patients/staff/patient_detail.html",
        {
            "patient": patient,
            "visits": visits,
            "codes": codes,
            "open_visit": next((v for v in visits if v.is_open), None),
            "completed_visit": next((v for v in visits if v.status == VisitStatus.COMPLETED), None),
            "can_resend_invitation": any(
                v.status == VisitStatus.SCHEDULED and v.starts_at > timezone.now() for v in visits
            ),
            "has_two_step": services.has_two_step_verification(patient),
            "details_changes": list(
                patient.details_changes.select_related("changed_by__staff_profile")[:10]
            ),
            "two_step_resets": list(
                patient.two_step_resets.select_related("reset_by__staff_profile")[:10]
            ),
            "appointments": list(patient.appointments.for_listing().order_by("-starts_at")[:20]),
            "now": timezone.now(),
            "sections": [
                section
                for sections_for in collect("navigation", "staff_patient_sections")
                for section in sections_for(patient)
            ],
        },
    )


@front_desk_required
@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a patient's details; the change is recorded and shown to the patient."""
    patient = get_patient_for(request.user, pk)
    if request.method == "POST":
        form = PatientDetailsForm(request.POST, instance=patient)
        if form.is_valid():
            data = form.cleaned_data
            try:
                change = services.update_patient_details(
                    patient=patient,
                    by=request.user,
                    **_details(data),
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                if change is None:
                    messages.info(request, "Nothing was changed.")
                elif patient.user_id is not None:
                    messages.success(
                        request,
                        f"Saved: {', '.join(change.fields)}. {patient.display_name} has been told "
                        "which details changed, in the portal and by email.",
                    )
                else:
                    messages.success(
                        request,
                        f"Saved: {', '.join(change.fields)}. {patient.display_name} has no portal "
                        "account yet, so nothing was sent.",
                    )
                return redirect("staff:onboarding_patient", pk=patient.pk)
    else:
        form = PatientDetailsForm(instance=patient)
    return render(request, "patients/staff/patient_edit.html", {"form": form, "patient": patient})


@front_desk_required
@require_POST
def patient_resend_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_patient_for(request.user, pk)
    try:
        services.resend_invitation(patient=patient, by=request.user)
    except ValidationError as error:
        messages.error(request, service_error_text(error))
    else:
        messages.success(request, f"The invitation is on its way to {patient.email}.")
    return redirect("staff:onboarding_patient", pk=patient.pk)


@front_desk_required
@require_http_methods(["GET", "POST"])
def patient_two_step_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Reset a patient's lost two-step verification, after an identity check in person."""
    patient = get_patient_for(request.user, pk)
    if not services.has_two_step_verification(patient):
        messages.info(request, "This patient's account has no two-step verification to reset.")
        return redirect("staff:onboarding_patient", pk=patient.pk)
    form = TwoStepResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_two_step_verification(
                patient=patient, by=request.user, document_type=form.cleaned_data["document_type"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"Two-step verification is off for {patient.display_name}. They have been told, "
                "and can set it up again from Security in the portal.",
            )
            return redirect("staff:onboarding_patient", pk=patient.pk)
    return render(request, "patients/staff/two_step_reset.html", {"form": form, "patient": patient})


@keeps_typed_form(fields=SlotForm)
@front_desk_required
@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_patient_for(request.user, pk)
    if request.method == "POST":
        form = SlotForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                visit = services.schedule_visit(
                    patient=patient,
                    site=data["site"],
                    starts_at=data["starts_at"],
                    staff_member=data["staff_member"],
                    scheduled_by=request.user,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    f"Visit booked. The invitation is on its way to {patient.email}.",
                )
                return redirect("staff:onboarding_visit", pk=visit.pk)
    else:
        form = SlotForm(
            initial={
                "site": patient.site_id,
                "staff_member": request.user.pk,
                "date": timezone.localdate() + timedelta(days=1),
            }
        )
        prefill(form, take_kept_form(request, "staff:onboarding_schedule"))
    return render(
        request,
        "patients/staff/slot_form.html",
        {"form": form, "patient": patient, "visit": None},
    )


# --- The visit ------------------------------------------------------------------------------------


def _render_visit(
    request: HttpRequest,
    visit: OnboardingVisit,
    *,
    identity_form: IdentityCheckForm | None = None,
    status: int = 200,
) -> HttpResponse:
    codes = list(ActivationCode.objects.filter(patient=visit.patient).order_by("-issued_at")[:5])
    in_person_choices = [
        text
        for choices_of in collect("navigation", "in_person_choices")
        for text in choices_of(visit.patient)
    ]
    return render(
        request,
        "patients/staff/visit.html",
        {
            "visit": visit,
            "patient": visit.patient,
            "checklist": visit.checklist(),
            "in_person_choices": in_person_choices,
            "missing": visit.missing_for_completion(),
            "identity_form": identity_form or IdentityCheckForm(),
            "issue_token": uuid.uuid4(),
            "codes": codes,
            "live_code": next(
                (c for c in codes if c.spent_at is None and c.voided_at is None), None
            ),
            "can_mark_no_show": visit.status == VisitStatus.SCHEDULED
            and visit.starts_at <= timezone.now(),
            "can_issue_code": visit.identity_verified
            and visit.status in (VisitStatus.CHECKED_IN, VisitStatus.COMPLETED)
            and visit.patient.user_id is None,
        },
        status=status,
    )


@front_desk_required
@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_visit(request, get_visit_for(request.user, pk))


def _visit_action(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    visit = get_visit_for(request.user, pk)
    try:
        action(visit=visit, by=request.user)
    except ValidationError as error:
        messages.error(request, service_error_text(error))
    else:
        messages.success(request, done)
    return redirect("staff:onboarding_visit", pk=visit.pk)


@front_desk_required
@require_POST
def visit_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    return _visit_action(request, pk, services.check_in, "Checked in.")


@front_desk_required
@require_POST
def visit_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    return _visit_action(request, pk, services.mark_no_show, "Marked as missed.")


@front_desk_required
@require_POST
def visit_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _visit_action(
        request,
        pk,
        services.complete_visit,
        "The visit is complete. The patient's activation code now works.",
    )


@front_desk_required
@require_POST
def visit_identity(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for(request.user, pk)
    form = IdentityCheckForm(request.POST)
    if form.is_valid():
        try:
            services.verify_identity(
                visit=visit, document_type=form.cleaned_data["document_type"], by=request.user
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Identity check recorded.")
            return redirect("staff:onboarding_visit", pk=visit.pk)
    return _render_visit(request, visit, identity_form=form)


def _wants_fragment(request: HttpRequest) -> bool:
    """The checklist script asks for the changed row instead of the whole page."""
    return request.headers.get("X-Requested-With") == "rapport-checklist"


@front_desk_required
@require_POST
def visit_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick one checklist item. Without JavaScript: redirect back to the visit. With the checklist
    script: answer the changed row and what is still missing, so six items need no six page
    loads."""
    visit = get_visit_for(request.user, pk)
    form = ChecklistEntryForm(request.POST)
    error = None
    item = None
    if not form.is_valid():
        error = "That checklist change was not understood; nothing was changed."
    else:
        outcome = form.cleaned_data["outcome"]
        item = form.cleaned_data["item"]
        try:
            services.record_checklist_item(
                visit=visit,
                item=item,
                outcome=None if outcome == ChecklistEntryForm.CLEAR else outcome,
                by=request.user,
            )
        except ValidationError as service_error:
            error = service_error_text(service_error)
    if _wants_fragment(request):
        if error is not None:
            return JsonResponse({"error": error}, status=400)
        visit = get_visit_for(request.user, pk)  # as it now stands
        row = next(row for row in visit.checklist() if row["item"] == item)
        context = {"visit": visit, "row": row, "missing": visit.missing_for_completion()}
        entry = row["entry"]
        status = (
            f"{row['label']}: {entry.get_outcome_display().lower()}, saved."
            if entry is not None
            else f"{row['label']}: cleared."
        )
        return JsonResponse(
            {
                "item": item,
                "row": render_to_string(
                    "patients/staff/_checklist_row.html", context, request=request
                ),
                "missing": render_to_string("patients/staff/_visit_missing.html", context),
                "status": status,
            }
        )
    if error is not None:
        messages.error(request, error)
    return redirect(reverse("staff:onboarding_visit", args=[visit.pk]) + "#checklist")


@front_desk_required
@require_POST
def visit_issue_code(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue (or reissue) the activation code and answer with the printable handout."""
    visit = get_visit_for(request.user, pk)
    try:
        issued = services.issue_activation_code(
            visit=visit, issued_by=request.user, issue_token=_token(request.POST.get("issue_token"))
        )
    except services.CodeAlreadyIssued:
        messages.warning(
            request,
            "This code was issued a moment ago and cannot be shown again. If the handout was not "
            "printed, issue a new code: the previous one stops working.",
        )
        return redirect("staff:onboarding_visit", pk=visit.pk)
    except ValidationError as error:
        messages.error(request, service_error_text(error))
        return redirect("staff:onboarding_visit", pk=visit.pk)
    base = settings.PORTAL_BASE_URL.rstrip("/")
    # The front desk reads English; the handout itself is in the patient's language.
    handout_language = language_for_patient(visit.patient)
    with translation.override(handout_language):
        handout_items = [
            item for items in collect("navigation", "handout_items") for item in items()
        ]
    return render(
        request,
        "patients/staff/handout.html",
        {
            "visit": visit,
            "patient": visit.patient,
            "code": format_activation_code(issued.plain),
            "expires_at": issued.activation_code.expires_at,
            "activate_url": base + reverse("activate"),
            "handout_items": handout_items,
            "handout_language": handout_language,
        },
    )


@front_desk_required
@require_http_methods(["GET", "POST"])
def visit_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for(request.user, pk)
    if visit.status != VisitStatus.SCHEDULED:
        messages.error(request, "Only a visit that has not started yet can be rescheduled.")
        return redirect("staff:onboarding_visit", pk=visit.pk)
    if request.method == "POST":
        form = SlotForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.reschedule_visit(
                    visit=visit,
                    site=data["site"],
                    starts_at=data["starts_at"],
                    staff_member=data["staff_member"],
                    by=request.user,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "Visit moved. The patient is emailed the new time.")
                return redirect("staff:onboarding_visit", pk=visit.pk)
    else:
        form = SlotForm(initial=SlotForm.initial_for(visit))
    return render(
        request,
        "patients/staff/slot_form.html",
        {"form": form, "patient": visit.patient, "visit": visit},
    )


@front_desk_required
@require_http_methods(["GET", "POST"])
def visit_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for(request.user, pk)
    if not visit.is_open:
        messages.error(request, "This visit can no longer be cancelled.")
        return redirect("staff:onboarding_visit", pk=visit.pk)
    if request.method == "POST":
        form = CancelVisitForm(request.POST)
        if form.is_valid():
            try:
                services.cancel_visit(
                    visit=visit, reason=form.cleaned_data["cancellation_reason"], by=request.user
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, "Visit cancelled.")
                return redirect("staff:onboarding_visit", pk=visit.pk)
    else:
        form = CancelVisitForm()
    return render(request, "patients/staff/cancel_form.html", {"form": form, "visit": visit})


# --- Appointments after the first visit ----------------------------------------------------------


@front_desk_required
@require_http_methods(["GET", "POST"])
def appointment_book(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_patient_for(request.user, pk)
    if request.method == "POST":
        form = AppointmentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                appointments.book_appointment(
                    patient=patient,
                    site=data["site"],
                    starts_at=data["starts_at"],
                    with_staff=data["with_staff"],
                    kind=data["kind"],
                    by=request.user,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                told = (
                    " A notice is in their portal and an email is on its way."
                    if patient.user_id
                    else ""
                )
                messages.success(request, f"Appointment booked.{told}")
                return redirect("staff:onboarding_patient", pk=patient.pk)
    else:
        form = AppointmentForm(
            initial={
                "site": patient.site_id,
                "with_staff": patient.primary_physician_id,
                "date": timezone.localdate() + timedelta(days=1),
            }
        )
    return render(
        request, "patients/staff/appointment_form.html", {"form": form, "patient": patient}
    )


@front_desk_required
@require_POST
def appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = get_appointment_for(request.user, pk)
    try:
        appointments.cancel_appointment(appointment=appointment, by=request.user)
    except ValidationError as error:
        messages.error(request, service_error_text(error))
    else:
        messages.success(request, "Appointment cancelled.")
    return redirect("staff:onboarding_patient", pk=appointment.patient_id)
