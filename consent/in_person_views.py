"""Recording the patient's sharing choice at the face-to-face visit, by the staff member running
it. Nothing is chosen in advance; before anything is saved the choice is read back to the patient
in plain words ("check your answers"), and what is saved is exactly what was read back."""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clinic.decorators import front_desk_required
from clinic.forms import add_service_error
from patients.access import get_visit_for

from . import services
from .forms import InitialConsentForm
from .models import ConsentGrant, GivenVia, Scope

CHECK_ANSWERS_MAX_AGE = 30 * 60  # seconds between reading the choice back and confirming it
FIELDS = ("physician", "scope", "category", "purpose", "purpose_other", "include_sensitive")


def _salt(visit, user) -> str:
    return f"consent.in-person:{visit.pk}:{user.pk}"


def _as_post(data: dict) -> dict:
    """A valid form's answers in the shape the form reads them."""
    answers = {name: data.get(name) for name in FIELDS}
    answers["physician"] = answers["physician"].pk
    if not answers["include_sensitive"]:
        answers.pop("include_sensitive")
    return {k: v for k, v in answers.items() if v not in (None, "")}


def _read_back(visit, user, data: dict) -> tuple[str, bool]:
    """The choice in plain words, as the patient will hear it, and whether it includes sensitive
    entries (said separately, so it cannot be missed)."""
    grant = ConsentGrant(
        patient=visit.patient,
        grantee_user=data["physician"],
        scope=data["scope"],
        category=data.get("category") or "",
        purpose=data["purpose"],
        purpose_other=data.get("purpose_other") or "",
        include_sensitive=data["include_sensitive"],
        given_via=GivenVia.IN_PERSON,
        recorded_by=user,
    )
    return grant.describe(), grant.include_sensitive and grant.scope != Scope.ENTRY


def _form_page(request, visit, form) -> HttpResponse:
    grants = ConsentGrant.objects.given_in_person(visit.patient)
    return render(
        request,
        "consent/in_person_consent.html",
        {
            "visit": visit,
            "patient": visit.patient,
            "form": form,
            "grants": [(g, g.describe()) for g in grants],
        },
    )


@front_desk_required
@require_http_methods(["GET", "POST"])
def initial_consent(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_visit_for(request.user, pk)
    patient = visit.patient
    problem = services.in_person_problem(visit, request.user)
    if problem:
        messages.error(request, problem)
        return redirect("staff:onboarding_visit", pk=visit.pk)
    if request.method == "GET":
        return _form_page(request, visit, InitialConsentForm(patient=patient))

    salt = _salt(visit, request.user)
    if "choice" in request.POST:
        try:
            answers = signing.loads(
                request.POST["choice"], salt=salt, max_age=CHECK_ANSWERS_MAX_AGE
            )
        except signing.BadSignature:
            messages.error(
                request,
                "That choice was read back too long ago or was changed. Please go through it "
                "with the patient again.",
            )
            return _form_page(request, visit, InitialConsentForm(patient=patient))
        form = InitialConsentForm(answers, patient=patient)
        if "change" in request.POST or not form.is_valid():
            return _form_page(request, visit, form)
        data = form.cleaned_data
        try:
            grant = services.record_in_person_choice(
                visit=visit,
                recorded_by=request.user,
                grantee_user=data["physician"],
                scope=data["scope"],
                category=data.get("category") or "",
                purpose=data["purpose"],
                purpose_other=data["purpose_other"],
                include_sensitive=data["include_sensitive"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            return _form_page(request, visit, form)
        told = "by email" if not patient.user_id else "in the portal and by email"
        messages.success(
            request,
            f"Recorded, given in person: {grant.describe()}. The patient is told {told}, with a "
            "way to stop it.",
        )
        return redirect("staff:onboarding_visit", pk=visit.pk)

    form = InitialConsentForm(request.POST, patient=patient)
    if not form.is_valid():
        return _form_page(request, visit, form)
    read_back, sensitive = _read_back(visit, request.user, form.cleaned_data)
    return render(
        request,
        "consent/in_person_check.html",
        {
            "visit": visit,
            "patient": patient,
            "read_back": read_back,
            "sensitive": sensitive,
            "choice": signing.dumps(_as_post(form.cleaned_data), salt=salt),
        },
    )
