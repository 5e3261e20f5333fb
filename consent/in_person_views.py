"""Recording the patient's first sharing choice at the face-to-face visit (front desk)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clinic.decorators import front_desk_required
from clinic.forms import add_service_error
from patients.access import get_visit_for

from . import services
from .forms import InitialConsentForm
from .models import ConsentGrant, GivenVia


@front_desk_required
@require_http_methods(["GET", "POST"])
def initial_consent(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for(request.user, pk)
    patient = visit.patient
    if not visit.identity_verified:
        messages.error(request, "Check the patient's identity before recording their choice.")
        return redirect("staff:onboarding_visit", pk=visit.pk)
    form = InitialConsentForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = services.grant_consent(
                patient=patient,
                recorded_by=request.user,
                given_via=GivenVia.IN_PERSON,
                grantee_user=data["physician"],
                scope=data["scope"],
                category=data.get("category") or "",
                purpose=data["purpose"],
                purpose_other=data["purpose_other"],
                include_sensitive=data["include_sensitive"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Recorded, given in person: {grant.describe()}.")
            return redirect("staff:onboarding_visit", pk=visit.pk)
    grants = ConsentGrant.objects.given_in_person(patient)
    return render(
        request,
        "consent/in_person_consent.html",
        {
            "visit": visit,
            "patient": patient,
            "form": form,
            "grants": [(g, g.describe()) for g in grants],
        },
    )
