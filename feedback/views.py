"""Concerns: the patient's pages (/portal/feedback/) and the privacy officers'
(/staff/privacy/grievances/)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accesslog.access import get_access_event_for
from accesslog.models import AccessEvent
from clinic.decorators import privacy_officer_required
from clinic.forms import add_service_error, service_error_text
from clinic.i18n import day_month
from keptforms.keeping import keeps_typed_form, prefill, take_kept_form
from patients.models import ChecklistItem, Patient
from patients.services import note_portal_step
from proxies.acting import chosen_patient_id, portal_area
from proxies.models import ProxyArea

from . import services
from .access import get_grievance_for
from .forms import (
    AcknowledgeForm,
    ConcernForm,
    ExtensionForm,
    MessageForm,
    RecordedConcernForm,
    ResolutionForm,
    WithdrawForm,
)
from .models import NEXT_STATUSES, Grievance, GrievanceStatus, SurveyInvitation


def _own_event(request: HttpRequest, value) -> AccessEvent | None:
    """The event a concern is about, if `value` names one in the portal patient's log; else
    none."""
    try:
        return get_access_event_for(request.user, int(value), patient=request.patient)
    except (TypeError, ValueError, OverflowError, Http404):
        return None


def _entries(grievance: Grievance):
    return grievance.entries.select_related(
        "author__staff_profile", "author__patient", "proxy_access"
    )


def _whose_record(request: HttpRequest) -> str:
    """Whose record a patient's form is about: "" for their own, else the id of the patient they
    act for. A kept concern comes back only while acting for the same person."""
    chosen = chosen_patient_id(request)
    return str(chosen) if chosen is not None else ""


# --- The patient's side ----------------------------------------------------------------------


@keeps_typed_form(fields=ConcernForm, context=_whose_record)
@portal_area(ProxyArea.CONCERNS)
@require_http_methods(["GET", "POST"])
def report_concern(request: HttpRequest) -> HttpResponse:
    """Raise a concern, optionally about one access-log event ("I don't recognise this")."""
    if request.method == "POST":
        form = ConcernForm(request.POST)
        event = _own_event(request, request.POST.get("event"))
        if form.is_valid():
            try:
                grievance = services.raise_grievance(
                    patient=request.patient,
                    description=form.cleaned_data["description"],
                    access_event=event,
                    raised_under=request.proxy_access,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    gettext(
                        "Thank you. Our privacy officer has your concern and will acknowledge it "
                        "by %(day)s."
                    )
                    % {"day": day_month(grievance.acknowledge_by)},
                )
                return redirect("portal:concern", pk=grievance.pk)
    else:
        kept = take_kept_form(request, "portal:report_concern", context=_whose_record(request))
        event = _own_event(request, (kept or request.GET).get("event"))
        form = prefill(ConcernForm(), kept)
        form.initial["event"] = event.pk if event else None
    return render(
        request,
        "feedback/report_concern.html",
        {
            "form": form,
            "event": event,
            "acknowledge_days": settings.GRIEVANCE_ACKNOWLEDGE_DAYS,
            "response_days": settings.GRIEVANCE_RESPONSE_DAYS,
        },
    )


@portal_area(ProxyArea.CONCERNS)
def feedback_home(request: HttpRequest) -> HttpResponse:
    note_portal_step(request, ChecklistItem.FEEDBACK)
    grievances = Grievance.objects.filter(patient=request.patient).select_related("access_event")
    invitations = SurveyInvitation.objects.filter(patient=request.patient).select_related(
        "instrument"
    )
    return render(
        request,
        "feedback/portal_feedback.html",
        {"grievances": grievances, "invitations": invitations},
    )


def _patient_page(request, grievance, *, message_form=None, withdraw_form=None) -> HttpResponse:
    return render(
        request,
        "feedback/portal_concern.html",
        {
            "grievance": grievance,
            "entries": _entries(grievance),
            "message_form": message_form or MessageForm(),
            "withdraw_form": withdraw_form or WithdrawForm(),
        },
    )


@keeps_typed_form(fields=MessageForm, context=_whose_record)
@portal_area(ProxyArea.CONCERNS)
@require_http_methods(["GET", "POST"])
def concern(request: HttpRequest, pk: int) -> HttpResponse:
    """One concern: status, due dates, the written answers and the thread; POST writes to it."""
    grievance = get_grievance_for(request.user, pk, patient=request.patient)
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                services.add_message(
                    grievance=grievance,
                    author=request.user,
                    text=form.cleaned_data["text"],
                    acting_under=request.proxy_access,
                )
            except ValidationError as error:
                if not hasattr(error, "error_dict"):
                    messages.error(request, service_error_text(error))
                    return redirect("portal:concern", pk=grievance.pk)
                add_service_error(form, error)
            else:
                messages.success(request, _("Your message is sent to our privacy officer."))
                return redirect("portal:concern", pk=grievance.pk)
        return _patient_page(request, grievance, message_form=form)
    kept = take_kept_form(request, "portal:concern", context=_whose_record(request))
    return _patient_page(request, grievance, message_form=prefill(MessageForm(), kept))


@portal_area(ProxyArea.CONCERNS)
@require_POST
def withdraw_concern(request: HttpRequest, pk: int) -> HttpResponse:
    grievance = get_grievance_for(request.user, pk, patient=request.patient)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw_grievance(
                grievance=grievance,
                patient=request.patient,
                reason=form.cleaned_data["reason"],
                withdrawn_under=request.proxy_access,
            )
        except ValidationError as error:
            messages.error(request, service_error_text(error))
        else:
            messages.success(request, _("Your concern is withdrawn."))
        return redirect("portal:concern", pk=grievance.pk)
    return _patient_page(request, grievance, withdraw_form=form)


# --- The privacy officers' side --------------------------------------------------------------


@privacy_officer_required
def grievance_queue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    grievances = list(
        Grievance.objects.select_related("patient", "access_event").order_by("status", "respond_by")
    )
    for grievance in grievances:
        grievance.missed = grievance.overdue_deadlines(now)
    open_ones = [g for g in grievances if g.is_open]
    closed = [g for g in grievances if not g.is_open]
    return render(
        request,
        "feedback/privacy_grievances.html",
        {"open_grievances": open_ones, "closed_grievances": closed},
    )


@keeps_typed_form(fields=RecordedConcernForm)
@privacy_officer_required
@require_http_methods(["GET", "POST"])
def record_concern(request: HttpRequest) -> HttpResponse:
    """Record a concern a patient raised by phone or letter."""
    form = RecordedConcernForm(request.POST or None)
    if request.method != "POST":
        prefill(form, take_kept_form(request, "staff:record_concern"))
    if request.method == "POST" and form.is_valid():
        patient = Patient.objects.filter(mrn=form.cleaned_data["mrn"]).first()
        if patient is None:
            form.add_error("mrn", _("No patient has this MRN."))
        else:
            try:
                grievance = services.raise_grievance(
                    patient=patient,
                    description=form.cleaned_data["description"],
                    channel=form.cleaned_data["channel"],
                    recorded_by=request.user,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("The concern is recorded."))
                return redirect("staff:grievance", pk=grievance.pk)
    return render(request, "feedback/privacy_record_concern.html", {"form": form})


def _officer_page(request, grievance, **forms) -> HttpResponse:
    now = timezone.now()
    context = {
        "grievance": grievance,
        "entries": _entries(grievance),
        "missed": grievance.overdue_deadlines(now),
        "next_statuses": NEXT_STATUSES[grievance.status],
        "Status": GrievanceStatus,
        "message_form": forms.get("message_form") or MessageForm(),
        "acknowledge_form": forms.get("acknowledge_form") or AcknowledgeForm(),
        "extension_form": forms.get("extension_form") or ExtensionForm(),
        "resolution_form": forms.get("resolution_form")
        or ResolutionForm(
            initial={
                "contact_person": request.user.display_name,
                "completed_on": timezone.localdate(),
            }
        ),
    }
    return render(request, "feedback/privacy_grievance.html", context)


# The officer's forms post to URLs of their own and are shown on the grievance's page.
OFFICER_FORMS = {
    "acknowledge_form": ("staff:grievance_acknowledge", AcknowledgeForm),
    "extension_form": ("staff:grievance_extend", ExtensionForm),
    "resolution_form": ("staff:grievance_resolve", ResolutionForm),
    "message_form": ("staff:grievance_message", MessageForm),
}


def _grievance_page(pk: int) -> str:
    return reverse("staff:grievance", kwargs={"pk": pk})


@privacy_officer_required
def grievance(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_grievance_for(request.user, pk)
    kept_forms = {}
    if request.method == "GET":
        for form_name, (view_name, form_class) in OFFICER_FORMS.items():
            kept = take_kept_form(request, view_name)
            if kept is not None:
                kept_forms[form_name] = prefill(form_class(), kept)
    return _officer_page(request, found, **kept_forms)


def _done(grievance) -> str:
    """Only a patient with a portal account is told of a step (services._tell_patient)."""
    if grievance.patient.user_id:
        return "Done. The patient has been told."
    return "Done. The patient has no portal account: tell them by letter or phone."


def _act(request, grievance, form_name: str, form, action) -> HttpResponse:
    """Run `action(form.cleaned_data)` when the form is valid; show refusals on the form."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                # Not about a field: the step itself is refused (the form may no longer show).
                messages.error(request, service_error_text(error))
                return redirect("staff:grievance", pk=grievance.pk)
            add_service_error(form, error)
        else:
            messages.success(request, _done(grievance))
            return redirect("staff:grievance", pk=grievance.pk)
    return _officer_page(request, grievance, **{form_name: form})


@keeps_typed_form(fields=AcknowledgeForm, page=_grievance_page)
@privacy_officer_required
@require_POST
def grievance_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    grievance = get_grievance_for(request.user, pk)
    return _act(
        request,
        grievance,
        "acknowledge_form",
        AcknowledgeForm(request.POST),
        lambda data: services.acknowledge_grievance(
            grievance=grievance, officer=request.user, note=data["note"]
        ),
    )


@privacy_officer_required
@require_POST
def grievance_investigate(request: HttpRequest, pk: int) -> HttpResponse:
    grievance = get_grievance_for(request.user, pk)
    try:
        services.start_investigation(grievance=grievance, officer=request.user)
    except ValidationError as error:
        messages.error(request, service_error_text(error))
    else:
        messages.success(request, _done(grievance))
    return redirect("staff:grievance", pk=grievance.pk)


@keeps_typed_form(fields=ExtensionForm, page=_grievance_page)
@privacy_officer_required
@require_POST
def grievance_extend(request: HttpRequest, pk: int) -> HttpResponse:
    grievance = get_grievance_for(request.user, pk)
    return _act(
        request,
        grievance,
        "extension_form",
        ExtensionForm(request.POST),
        lambda data: services.send_extension_notice(
            grievance=grievance,
            officer=request.user,
            reason=data["reason"],
            answer_by=data["answer_by"],
        ),
    )


@keeps_typed_form(fields=ResolutionForm, page=_grievance_page)
@privacy_officer_required
@require_POST
def grievance_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    grievance = get_grievance_for(request.user, pk)
    form = ResolutionForm(request.POST)
    return _act(
        request,
        grievance,
        "resolution_form",
        form,
        lambda data: services.resolve_grievance(grievance=grievance, officer=request.user, **data),
    )


@keeps_typed_form(fields=MessageForm, page=_grievance_page)
@privacy_officer_required
@require_POST
def grievance_message(request: HttpRequest, pk: int) -> HttpResponse:
    grievance = get_grievance_for(request.user, pk)
    return _act(
        request,
        grievance,
        "message_form",
        MessageForm(request.POST),
        lambda data: services.add_message(
            grievance=grievance, author=request.user, text=data["text"]
        ),
    )
