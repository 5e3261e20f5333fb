"""Privacy officers: review every emergency access. They see who, when and why — never the
clinical content that was read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accesslog.models import AccessEvent
from clinic.decorators import privacy_officer_required
from clinic.forms import add_service_error, service_error_text

from . import services
from .access import get_emergency_access_for, get_outreach_task_for
from .forms import EmergencyReviewForm, OutreachDoneForm
from .models import EmergencyAccess, OutreachTask, ReviewOutcome


@privacy_officer_required
def emergency_queue(request: HttpRequest) -> HttpResponse:
    accesses = EmergencyAccess.objects.select_related(
        "patient", "physician__staff_profile", "reviewed_by__staff_profile"
    )
    pending = list(accesses.awaiting_review().order_by("opened_at"))
    reviewed = Paginator(
        accesses.exclude(review_outcome=ReviewOutcome.PENDING).order_by("-reviewed_at"), 25
    ).get_page(request.GET.get("page"))
    tasks = list(OutreachTask.objects.open().select_related("patient"))
    return render(
        request,
        "consent/privacy_emergency_queue.html",
        {"pending": pending, "reviewed": reviewed, "tasks": tasks, "done_form": OutreachDoneForm()},
    )


@privacy_officer_required
@require_POST
def outreach_done(request: HttpRequest, task_id: int) -> HttpResponse:
    task = get_outreach_task_for(request.user, task_id)
    form = OutreachDoneForm(request.POST)
    if form.is_valid():
        try:
            services.complete_outreach_task(
                task=task,
                by=request.user,
                method=form.cleaned_data["method"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            messages.error(request, service_error_text(error))
        else:
            messages.success(request, f"Recorded: {task.patient.display_name} has been told.")
    else:
        messages.error(request, "Say how the patient was told: by letter or by phone.")
    return redirect("staff:emergency_queue")


@privacy_officer_required
@require_http_methods(["GET", "POST"])
def emergency_review(request: HttpRequest, access_id: int) -> HttpResponse:
    access = get_emergency_access_for(request.user, access_id)
    events = AccessEvent.objects.filter(emergency=access).order_by("occurred_at")
    form = EmergencyReviewForm(request.POST or None)
    if request.method == "POST" and access.review_outcome != ReviewOutcome.PENDING:
        messages.info(request, "This emergency access has already been reviewed.")
        return redirect("staff:emergency_queue")
    if request.method == "POST" and form.is_valid():
        try:
            services.review_emergency_access(
                access=access,
                reviewer=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            told = (
                "The patient can now read the outcome."
                if access.patient.user_id
                else "The patient has no portal account: tell them the outcome by letter or phone."
            )
            messages.success(request, f"Review saved. {told}")
            return redirect("staff:emergency_queue")
    return render(
        request,
        "consent/privacy_emergency_review.html",
        {"access": access, "events": events, "form": form},
    )
