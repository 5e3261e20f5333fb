"""The patient's own pages: their record, who they share it with, and requests to see it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clinic.decorators import patient_required
from patients.models import CATEGORY_PLURALS, RecordCategory

from . import services
from .access import read_own_entry, read_own_record, record_content_view
from .forms import DecideRequestForm, GrantForm, RevokeForm
from .models import (
    AccessAction,
    AccessRequest,
    ConsentGrant,
    EmergencyAccess,
    GivenVia,
    RequestStatus,
)


def _category_or_404(value: str) -> str:
    if value and value not in RecordCategory.values:
        raise Http404("No such category.")
    return value


@patient_required
@record_content_view
def records(request: HttpRequest) -> HttpResponse:
    category = _category_or_404(request.GET.get("category", ""))
    entries = read_own_record(request, category=category)
    groups = []
    for value, label in RecordCategory.choices:
        in_group = [entry for entry in entries if entry.category == value]
        if in_group or category == value:
            groups.append(
                {
                    "value": value,
                    "label": label,
                    "plural": CATEGORY_PLURALS[value],
                    "entries": in_group,
                }
            )
    return render(
        request,
        "consent/portal_records.html",
        {"groups": groups, "category": category, "categories": RecordCategory.choices},
    )


@patient_required
@record_content_view
def record_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = read_own_entry(request, entry_id)
    return render(request, "consent/portal_record_entry.html", {"entry": entry})


@patient_required
@record_content_view
def record_document(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = read_own_entry(request, entry_id, action=AccessAction.DOWNLOAD)
    return document_response(entry)


def document_response(entry) -> FileResponse:
    if not entry.document:
        raise Http404("This entry has no document.")
    response = FileResponse(
        entry.document.open("rb"),
        as_attachment=True,
        filename=entry.document_name or f"document.{entry.document.name.rsplit('.', 1)[-1]}",
        content_type=entry.document_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- sharing ------------------------------------------------------------------------------------


@patient_required
def sharing(request: HttpRequest) -> HttpResponse:
    patient = request.patient
    now = timezone.now()
    grants = list(ConsentGrant.objects.filter(patient=patient).with_people())
    current = [g for g in grants if g.status(now) in ("active", "scheduled")]
    history = [g for g in grants if g.status(now) in ("expired", "revoked")]
    pending = list(
        AccessRequest.objects.filter(patient=patient, status=RequestStatus.PENDING).select_related(
            "physician__staff_profile"
        )
    )
    answered = list(
        AccessRequest.objects.filter(patient=patient)
        .exclude(status=RequestStatus.PENDING)
        .select_related("physician__staff_profile")[:20]
    )
    emergencies = list(
        EmergencyAccess.objects.filter(patient=patient).select_related(
            "physician__staff_profile", "reviewed_by__staff_profile"
        )
    )
    return render(
        request,
        "consent/portal_sharing.html",
        {
            "current": [(g, g.describe(now)) for g in current],
            "history": [(g, g.describe(now)) for g in history],
            "pending_requests": pending,
            "answered_requests": answered,
            "emergencies": emergencies,
            "now": now,
        },
    )


@patient_required
@require_http_methods(["GET", "POST"])
@record_content_view
def sharing_new(request: HttpRequest) -> HttpResponse:
    """The form lists the patient's own entries by title (to share one), so showing it is a read
    of their record and is logged like one."""
    patient = request.patient
    form = GrantForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = services.grant_consent(
                patient=patient,
                recorded_by=request.user,
                given_via=GivenVia.PORTAL,
                grantee_user=data["grantee_user"],
                grantee_team=data["grantee_team"],
                scope=data["scope"],
                category=data.get("category") or "",
                entry=data.get("entry"),
                purpose=data["purpose"],
                purpose_other=data["purpose_other"],
                include_sensitive=data["include_sensitive"],
                starts_at=data["starts_at"],
                expires_at=data["expires_at"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Done. {grant.describe()}.")
            return redirect("portal:sharing")
    read_own_record(request)
    return render(request, "consent/portal_sharing_new.html", {"form": form})


def _own_grant_or_404(request: HttpRequest, grant_id: int) -> ConsentGrant:
    grant = ConsentGrant.objects.with_people().filter(patient=request.patient, pk=grant_id).first()
    if grant is None:
        raise Http404("No such sharing.")
    return grant


@patient_required
@require_http_methods(["GET", "POST"])
def sharing_revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = _own_grant_or_404(request, grant_id)
    if grant.status() not in ("active", "scheduled"):
        messages.info(request, "This sharing has already ended.")
        return redirect("portal:sharing")
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.revoke_consent(
            grant=grant, revoked_by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request, f"You stopped sharing with {grant.grantee_name}. It takes effect immediately."
        )
        return redirect("portal:sharing")
    return render(
        request,
        "consent/portal_sharing_revoke.html",
        {"grant": grant, "description": grant.describe(), "form": form},
    )


@patient_required
@require_http_methods(["GET", "POST"])
def sharing_request(request: HttpRequest, request_id: int) -> HttpResponse:
    access_request = (
        AccessRequest.objects.select_related("physician__staff_profile")
        .filter(patient=request.patient, pk=request_id)
        .first()
    )
    if access_request is None:
        raise Http404("No such request.")
    if access_request.status != RequestStatus.PENDING:
        messages.info(request, "You have already answered this request.")
        return redirect("portal:sharing")
    form = DecideRequestForm(request.POST or None, access_request=access_request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                grant = services.approve_access_request(
                    access_request=access_request,
                    decided_by=request.user,
                    scope=data["scope"],
                    category=data["category"] if data["scope"] == "category" else "",
                    include_sensitive=data["include_sensitive"],
                    expires_at=data["expires_at"],
                )
                messages.success(request, f"Approved. {grant.describe()}.")
            else:
                services.decline_access_request(access_request=access_request, note=data["note"])
                messages.success(
                    request, f"You declined. {access_request.physician.display_name} will be told."
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("portal:sharing")
    return render(
        request,
        "consent/portal_sharing_request.html",
        {"access_request": access_request, "form": form},
    )
