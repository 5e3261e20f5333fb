"""Privacy officers: review every emergency access. They see who, when and why — never the
clinical content that was read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accesslog.models import AccessEvent
from clinic.decorators import privacy_officer_required
from clinic.forms import add_service_error

from . import services
from .access import get_emergency_access_for
from .forms import EmergencyReviewForm
from .models import EmergencyAccess, ReviewOutcome


@privacy_officer_required
def emergency_queue(request: HttpRequest) -> HttpResponse:
    accesses = EmergencyAccess.objects.select_related(
        "patient", "physician__staff_profile", "reviewed_by__staff_profile"
    )
    pending = list(accesses.awaiting_review().order_by("opened_at"))
    reviewed = Paginator(
        accesses.exclude(review_outcome=ReviewOutcome.PENDING).order_by("-reviewed_at"), 25
    ).get_page(request.GET.get("page"))
    return render(
        request, "consent/privacy_emergency_queue.html", {"pending": pending, "reviewed": reviewed}
    )


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
            messages.success(request, "Review saved. The patient can now read the outcome.")
            return redirect("staff:emergency_queue")
    return render(
        request,
        "consent/privacy_emergency_review.html",
        {"access": access, "events": events, "form": form},
    )
