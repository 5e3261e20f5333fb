"""The portal's proxy pages: a patient invites someone to help them and ends the access of people
acting for them (the list is on the sharing page); a proxy sees the people they help and may stop
acting for them. These pages always act as the signed-in person themselves (`request.user`'s own
register entry), never as someone they act for: a proxy cannot make or end other proxies' access.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from clinic.decorators import patient_required
from clinic.forms import add_service_error, service_error_text

from . import services
from .access import get_proxy_access_for_patient, get_proxy_access_for_proxy
from .forms import InviteForm
from .models import ProxyStatus
from .overview import describe, people_helped_by


def _sharing_page() -> HttpResponse:
    return redirect(reverse("portal:sharing") + "#people-acting")


@patient_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    patient = request.user.patient
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            access = services.invite_proxy(
                patient=patient,
                invited_by=request.user,
                name=data["name"],
                email=data["email"],
                relationship=data["relationship"],
                areas=data["areas"],
                record_categories=data["record_categories"],
                include_sensitive=data["include_sensitive"],
                ends_at=data["ends_at"],
                notify_patient=data["notify_patient"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                gettext(
                    "Invitation saved. It takes effect once %(name)s comes to the clinic with "
                    "photo ID and the front desk confirms it."
                )
                % {"name": access.invited_name},
            )
            return _sharing_page()
    return render(request, "proxies/portal_invite.html", {"form": form})


@patient_required
@require_http_methods(["GET", "POST"])
def end(request: HttpRequest, pk: int) -> HttpResponse:
    """End the access of someone acting for you, or withdraw an invitation: one POST (the
    button on the sharing page); a GET (the link in a notification) asks to confirm."""
    access = get_proxy_access_for_patient(request.user, pk)
    if access.status not in (ProxyStatus.ACTIVE, ProxyStatus.PENDING):
        messages.info(request, gettext("This access has already ended."))
        return _sharing_page()
    if request.method == "POST":
        try:
            services.end_proxy_access(access=access, ended_by=request.user)
        except ValidationError as error:
            messages.error(request, service_error_text(error))
        else:
            if access.status == ProxyStatus.PENDING:
                text = gettext("You cancelled the invitation of %(name)s.")
            else:
                text = gettext(
                    "%(name)s can no longer act for you, from their next click on. "
                    "They have been told."
                )
            messages.success(request, text % {"name": access.proxy_name})
        return _sharing_page()
    return render(
        request,
        "proxies/portal_end.html",
        {
            "access": access,
            "row": describe(access),
            "may_end": services.who_may_end(access, request.user) == "patient",
        },
    )


@patient_required
@require_GET
def helping(request: HttpRequest) -> HttpResponse:
    rows = people_helped_by(request.user.patient)
    return render(
        request,
        "proxies/portal_helping.html",
        {
            "current": [r for r in rows if r.state in ("active", "not_in_force")],
            "ended": [r for r in rows if r.state == "ended"],
        },
    )


@patient_required
@require_http_methods(["GET", "POST"])
def stop(request: HttpRequest, pk: int) -> HttpResponse:
    """A proxy stops acting for someone: one POST; a GET asks to confirm."""
    access = get_proxy_access_for_proxy(request.user, pk)
    if access.status != ProxyStatus.ACTIVE:
        messages.info(request, gettext("You no longer act for this person."))
        return redirect("portal:helping")
    if request.method == "POST":
        try:
            services.end_proxy_access(access=access, ended_by=request.user)
        except ValidationError as error:
            messages.error(request, service_error_text(error))
        else:
            if access.patient.user_id:
                text = gettext("You no longer act for %(name)s. They have been told.")
            else:
                text = gettext("You no longer act for %(name)s. They will be told by email.")
            messages.success(request, text % {"name": access.patient.display_name})
        return redirect("portal:helping")
    return render(request, "proxies/portal_stop.html", {"access": access, "row": describe(access)})
