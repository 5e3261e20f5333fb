"""The patient's sharing pages: who can see their record, sharing more, stopping, and answering
requests to see it. Someone acting for the patient with the "sharing" area (a carer, an attorney;
never a parent once the child is 12) uses them too: what they do is recorded under their proxy
access and the patient is told. Ending an emergency access stays the patient's own choice."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from clinic.decorators import patient_required
from clinic.forms import add_service_error, service_error_text
from patients.models import ChecklistItem, RecordEntry
from patients.services import note_portal_step
from proxies.acting import not_shared, portal_area
from proxies.models import ProxyArea
from proxies.overview import people_acting_for

from . import services
from .access import (
    get_access_request_for,
    get_emergency_access_for,
    get_grant_for,
    read_record,
    record_content_view,
    within_proxy_view,
)
from .forms import DecideRequestForm, GrantForm, RevokeForm
from .models import AccessRequest, ConsentGrant, EmergencyAccess, GivenVia, RequestStatus

# --- sharing ------------------------------------------------------------------------------------


@portal_area(ProxyArea.SHARING)
def sharing(request: HttpRequest) -> HttpResponse:
    note_portal_step(request, ChecklistItem.SHARING)
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
            "open_emergency_ids": {a.pk for a in emergencies if a.is_open(now)},
            "now": now,
            # People who act for the patient: only the patient themselves may invite or end
            # (someone acting for them sees the list, never the buttons: no delegation).
            "proxies": {
                **people_acting_for(patient, now),
                "manageable": getattr(request.user, "patient", None) == patient,
            },
        },
    )


@portal_area(ProxyArea.SHARING)
@require_http_methods(["GET", "POST"])
@record_content_view
def sharing_new(request: HttpRequest) -> HttpResponse:
    """The form lists the patient's own entries by title (to share one), so showing it is a read
    of their record and is logged like one. Someone acting for the patient sees only the entries
    their own access lets them read, and needs to be able to read the record at all."""
    patient = request.patient
    proxy_access, proxy_view = request.proxy_access, request.proxy_view
    entries = None
    if proxy_access is not None:
        if not proxy_view.allows(ProxyArea.RECORD):
            return not_shared(request, proxy_access, proxy_view, ProxyArea.RECORD)
        entries = within_proxy_view(RecordEntry.objects.filter(patient=patient), proxy_view)
    form = GrantForm(request.POST or None, patient=patient, entries=entries)
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
                recorded_under=proxy_access,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, gettext("Done. %(grant)s.") % {"grant": grant.describe()})
            return redirect("portal:sharing")
    read_record(request.reader, patient.pk)
    return render(request, "consent/portal_sharing_new.html", {"form": form})


@portal_area(ProxyArea.SHARING)
@require_http_methods(["GET", "POST"])
def sharing_revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    grant = get_grant_for(request.user, grant_id, patient=request.patient)
    if grant.status() not in ("active", "scheduled"):
        messages.info(request, _("This sharing has already ended."))
        return redirect("portal:sharing")
    form = RevokeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.revoke_consent(
            grant=grant,
            revoked_by=request.user,
            reason=form.cleaned_data["reason"],
            revoked_under=request.proxy_access,
        )
        messages.success(
            request,
            gettext("You stopped sharing with %(grantee)s. It takes effect immediately.")
            % {"grantee": grant.grantee_name},
        )
        return redirect("portal:sharing")
    return render(
        request,
        "consent/portal_sharing_revoke.html",
        {"grant": grant, "description": grant.describe(), "form": form},
    )


@portal_area(ProxyArea.SHARING)
@require_http_methods(["GET", "POST"])
def sharing_request(request: HttpRequest, request_id: int) -> HttpResponse:
    access_request = get_access_request_for(request.user, request_id, patient=request.patient)
    if access_request.status != RequestStatus.PENDING:
        messages.info(request, _("You have already answered this request."))
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
                    decided_under=request.proxy_access,
                )
                messages.success(
                    request, gettext("Approved. %(grant)s.") % {"grant": grant.describe()}
                )
            else:
                services.decline_access_request(
                    access_request=access_request,
                    note=data["note"],
                    decided_by=request.user,
                    decided_under=request.proxy_access,
                )
                messages.success(
                    request,
                    gettext("You declined. %(physician)s will be told.")
                    % {"physician": access_request.physician.display_name},
                )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect("portal:sharing")
    return render(
        request,
        "consent/portal_sharing_request.html",
        {"access_request": access_request, "form": form},
    )


@patient_required
@require_http_methods(["GET", "POST"])
def emergency_end(request: HttpRequest, access_id: int) -> HttpResponse:
    """The patient ends an emergency access to their record that is still open."""
    access = get_emergency_access_for(request.user, access_id)
    if not access.is_open():
        messages.info(request, _("This emergency access has already ended."))
        return redirect("portal:sharing")
    if request.method == "POST":
        try:
            services.end_emergency_access(access=access, by=request.user)
        except ValidationError as error:
            messages.error(request, service_error_text(error))
        else:
            messages.success(
                request,
                gettext(
                    "You ended the emergency access. %(physician)s can no longer open your "
                    "record from their next click on. Our privacy officer still reviews it."
                )
                % {"physician": access.physician.display_name},
            )
        return redirect("portal:sharing")
    return render(request, "consent/portal_emergency_end.html", {"access": access})
