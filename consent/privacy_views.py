"""Privacy officers: review every emergency access. They see who, when and why — never the
clinical content that was read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clinic.decorators import role_required
from clinic.models import Role

from . import services
from .forms import EmergencyReviewForm
from .models import EmergencyAccess, ReviewOutcome

privacy_only = role_required(Role.PRIVACY_OFFICER)


@privacy_only
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


@privacy_only
@require_http_methods(["GET", "POST"])
def emergency_review(request: HttpRequest, access_id: int) -> HttpResponse:
    access = (
        EmergencyAccess.objects.select_related("patient", "physician__staff_profile")
        .filter(pk=access_id)
        .first()
    )
    if access is None:
        raise Http404("No such emergency access.")
    events = access.access_events.order_by("occurred_at")
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
            form.add_error(None, error)
        else:
            messages.success(request, "Review saved. The patient can now read the outcome.")
            return redirect("staff:emergency_queue")
    return render(
        request,
        "consent/privacy_emergency_review.html",
        {"access": access, "events": events, "form": form},
    )
