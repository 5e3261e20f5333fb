from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinic.decorators import patient_required


@patient_required
def portal_home(request: HttpRequest) -> HttpResponse:
    patient = request.patient
    return render(
        request,
        "patients/portal_home.html",
        {"patient": patient, "mfa_enabled": is_mfa_enabled(request.user)},
    )
