from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinic.auth import mfa_enabled
from clinic.decorators import patient_required
from clinic.extensions import collect

from .appointments import appointments_for_patient


@patient_required
def portal_home(request: HttpRequest) -> HttpResponse:
    patient = request.patient
    steps = [
        step for steps_for in collect("navigation", "portal_steps") for step in steps_for(patient)
    ]
    notices = [
        notice
        for notices_for in collect("navigation", "portal_notices")
        for notice in notices_for(patient)
    ]
    sections = [
        section
        for sections_for in collect("navigation", "portal_sections")
        for section in sections_for(patient)
    ]
    summary = sorted(
        (
            figure
            for summary_for in collect("navigation", "portal_summary")
            for figure in summary_for(patient)
        ),
        key=lambda figure: figure["order"],
    )
    return render(
        request,
        "patients/portal_home.html",
        {
            "patient": patient,
            "mfa_enabled": mfa_enabled(request.user),
            "portal_steps": steps,
            "portal_notices": notices,
            "portal_sections": sections,
            "portal_summary": summary,
        },
    )


@patient_required
def portal_appointments(request: HttpRequest) -> HttpResponse:
    """The patient's first visit and appointments: when, where and with whom."""
    return render(
        request,
        "patients/portal_appointments.html",
        {"patient": request.patient, **appointments_for_patient(request.patient)},
    )
