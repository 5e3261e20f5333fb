from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accesslog.access import get_access_event_for
from accesslog.models import AccessEvent
from clinic.decorators import patient_required, privacy_officer_required
from patients.models import ChecklistItem
from patients.services import note_portal_step

from .forms import ConcernForm
from .models import Grievance
from .services import raise_grievance


def _own_event(request: HttpRequest, value) -> AccessEvent | None:
    """The event a concern is about, if `value` names one of the patient's own; else none."""
    try:
        return get_access_event_for(request.user, int(value))
    except (TypeError, ValueError, OverflowError, Http404):
        return None


@patient_required
@require_http_methods(["GET", "POST"])
def report_concern(request: HttpRequest) -> HttpResponse:
    """Raise a concern, optionally about one access-log event ("I don't recognise this")."""
    if request.method == "POST":
        form = ConcernForm(request.POST)
        event = _own_event(request, request.POST.get("event"))
        if form.is_valid():
            raise_grievance(
                patient=request.patient,
                description=form.cleaned_data["description"],
                access_event=event,
            )
            messages.success(
                request,
                "Thank you. Our privacy officer has your concern and will acknowledge it within "
                "two days.",
            )
            return redirect("portal:feedback")
    else:
        event = _own_event(request, request.GET.get("event"))
        form = ConcernForm(initial={"event": event.pk if event else None})
    return render(request, "feedback/report_concern.html", {"form": form, "event": event})


@patient_required
def feedback_home(request: HttpRequest) -> HttpResponse:
    note_portal_step(request, ChecklistItem.FEEDBACK)
    grievances = Grievance.objects.filter(patient=request.patient).select_related("access_event")
    return render(request, "feedback/portal_feedback.html", {"grievances": grievances})


@privacy_officer_required
def grievance_queue(request: HttpRequest) -> HttpResponse:
    grievances = Grievance.objects.select_related("patient", "access_event").order_by(
        "status", "respond_by"
    )
    return render(request, "feedback/privacy_grievances.html", {"grievances": grievances})
