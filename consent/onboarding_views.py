"""Recording the patient's first sharing choice at the face-to-face visit (front desk)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clinic.decorators import role_required
from patients.access import ONBOARDING_ROLES, visit_for_front_desk

from . import services
from .forms import InitialConsentForm
from .models import ConsentGrant, GivenVia


@role_required(*ONBOARDING_ROLES)
@require_http_methods(["GET", "POST"])
def initial_consent(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_for_front_desk(request, pk)
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
            form.add_error(None, error)
        else:
            messages.success(request, f"Recorded, given in person: {grant.describe()}.")
            return redirect("staff:onboarding_visit", pk=visit.pk)
    grants = ConsentGrant.objects.given_in_person(patient)
    return render(
        request,
        "consent/onboarding_consent.html",
        {
            "visit": visit,
            "patient": patient,
            "form": form,
            "grants": [(g, g.describe()) for g in grants],
        },
    )
