from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinic.auth import mfa_enabled
from clinic.clock import month_start
from clinic.context_processors import badge_subqueries, badges_from_row
from clinic.decorators import patient_required
from clinic.extensions import collect
from clinic.models import Role, User
from clinic.prepared import DATETIME, INT, PreparedQuery

from .appointments import appointments_for_patient


def _home_figures(user_id: int, patient_id: int, now: dt.datetime, month_start: dt.datetime):
    """One row: every app's `portal_figures` and the navigation badges of a patient, so the
    home's counts cost one query however many apps add to it."""
    figures = badge_subqueries(Role.PATIENT, user_id, patient_id)
    for figures_of in collect("navigation", "portal_figures"):
        figures.update(
            figures_of(patient_id=patient_id, user_id=user_id, now=now, month_start=month_start)
        )
    return User.objects.filter(pk=user_id).values(**figures)[:1]


# On every patient's home page: built and compiled once per process (clinic/prepared.py).
_HOME_FIGURES = PreparedQuery(
    _home_figures, user_id=INT, patient_id=INT, now=DATETIME, month_start=DATETIME
)


def figures_for(user, patient) -> dict:
    """The apps' figures for this patient's home and the navigation badges, in one query."""
    now = timezone.now()
    rows = _HOME_FIGURES(
        user_id=user.pk, patient_id=patient.pk, now=now, month_start=month_start(now)
    )
    return rows[0] if rows else {}


def home_figures(request: HttpRequest, patient) -> dict:
    """`figures_for` the signed-in patient; the badges are left on the request for the
    navigation (clinic.context_processors), which then counts nothing itself."""
    figures = figures_for(request.user, patient)
    if figures and request.user.role == Role.PATIENT:
        request.navigation_badges = badges_from_row(Role.PATIENT, True, figures)
    return figures


@patient_required
def portal_home(request: HttpRequest) -> HttpResponse:
    patient = request.patient
    figures = home_figures(request, patient)
    steps = [
        step
        for steps_for in collect("navigation", "portal_steps")
        for step in steps_for(patient, figures)
    ]
    notices = [
        notice
        for notices_for in collect("navigation", "portal_notices")
        for notice in notices_for(patient, figures)
    ]
    sections = [
        section
        for sections_for in collect("navigation", "portal_sections")
        for section in sections_for(patient, figures)
    ]
    summary = sorted(
        (
            figure
            for summary_for in collect("navigation", "portal_summary")
            for figure in summary_for(patient, figures)
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
