"""Front desk pages for carers and proxies, under /staff/onboarding/: link a proxy met in person,
confirm or decline a patient's invitation at the proxy's in-person check, end an access, and
record a power of attorney's review. Objects come through `patients.access` and `proxies.access`
(404 for anyone else); `proxies.services` decides."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from clinic.decorators import front_desk_required
from clinic.forms import add_service_error
from patients.access import get_patient_for
from patients.forms import PatientSearchForm
from patients.models import Patient

from . import services
from .access import get_proxy_access_for_staff
from .forms import ConfirmInvitationForm, LinkProxyForm, ReasonForm, ReviewForm
from .models import ProxyAuthority, ProxyStatus
from .overview import describe, pending_invitations

MAX_RESULTS = 20


def _patient_page(patient_id: int) -> HttpResponse:
    return redirect(reverse("staff:onboarding_patient", args=[patient_id]) + "#carers-title")


def _search(request: HttpRequest, *, exclude: Patient) -> tuple[PatientSearchForm, list, bool]:
    """Find the proxy on the register by name or MRN (GET ?q=)."""
    form = PatientSearchForm(request.GET if "q" in request.GET else None)
    results: list[Patient] = []
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        results = list(
            Patient.objects.search(form.cleaned_data["q"])
            .exclude(pk=exclude.pk)
            .select_related("site")[:MAX_RESULTS]
        )
    return form, results, form.is_bound


def _chosen_proxy(request: HttpRequest, raw) -> Patient | None:
    """The proxy chosen from the results (?proxy=id), through the front desk's access helper."""
    try:
        return get_patient_for(request.user, int(raw)) if raw else None
    except (TypeError, ValueError, OverflowError, Http404):
        return None


@front_desk_required
@require_GET
def invitations(request: HttpRequest) -> HttpResponse:
    """Patients' invitations waiting for the invited person's in-person check."""
    return render(
        request,
        "proxies/staff_invitations.html",
        {"rows": [describe(access) for access in pending_invitations()]},
    )


@front_desk_required
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_patient_for(request.user, pk)
    search_form, results, searched = _search(request, exclude=patient)
    if request.method == "POST":
        form = LinkProxyForm(request.POST)
        proxy = _chosen_proxy(request, request.POST.get("proxy"))
        if form.is_valid():
            data = form.cleaned_data
            try:
                access = services.link_proxy(
                    patient=patient,
                    proxy=data["proxy"],
                    linked_by=request.user,
                    relationship=data["relationship"],
                    authority=data["authority"],
                    areas=data["areas"],
                    record_categories=data["record_categories"],
                    include_sensitive=data["include_sensitive"],
                    notify_patient=data["notify_patient"],
                    ends_at=data["ends_at"],
                    proxy_document=data["proxy_document"],
                    patient_document=data["patient_document"],
                    authority_document=data["authority_document"],
                    review_on=data["review_on"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                _now_acting(request, access)
                return _patient_page(patient.pk)
    else:
        proxy = _chosen_proxy(request, request.GET.get("proxy"))
        form = LinkProxyForm(initial={"proxy": proxy.pk} if proxy else None)
    if proxy is not None and proxy.pk == patient.pk:
        proxy = None
    return render(
        request,
        "proxies/staff_link.html",
        {
            "patient": patient,
            "proxy": proxy,
            "form": form,
            "search_form": search_form,
            "results": results,
            "searched": searched,
        },
    )


def _now_acting(request: HttpRequest, access) -> None:
    """The front desk's read-back once an access takes effect (the services told both people)."""
    messages.success(
        request,
        f"{access.proxy_name} can now act for {access.patient.display_name} until "
        f"{access.last_day:%-d %B %Y}. Both have been told.",
    )


@front_desk_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    access = get_proxy_access_for_staff(request.user, pk)
    if access.status != ProxyStatus.PENDING:
        messages.info(request, "This invitation is no longer waiting.")
        return _patient_page(access.patient_id)
    search_form, results, searched = _search(request, exclude=access.patient)
    if request.method == "POST":
        form = ConfirmInvitationForm(request.POST)
        proxy = _chosen_proxy(request, request.POST.get("proxy"))
        if form.is_valid():
            try:
                services.confirm_invitation(
                    access=access,
                    proxy=form.cleaned_data["proxy"],
                    confirmed_by=request.user,
                    proxy_document=form.cleaned_data["proxy_document"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                access.refresh_from_db()
                _now_acting(request, access)
                return _patient_page(access.patient_id)
    else:
        proxy = _chosen_proxy(request, request.GET.get("proxy"))
        form = ConfirmInvitationForm(initial={"proxy": proxy.pk} if proxy else None)
    if proxy is not None and proxy.pk == access.patient_id:
        proxy = None
    return render(
        request,
        "proxies/staff_confirm.html",
        {
            "row": describe(access),
            "access": access,
            "proxy": proxy,
            "form": form,
            "search_form": search_form,
            "results": results,
            "searched": searched,
        },
    )


@front_desk_required
@require_http_methods(["GET", "POST"])
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    access = get_proxy_access_for_staff(request.user, pk)
    if access.status != ProxyStatus.PENDING:
        messages.info(request, "This invitation is no longer waiting.")
        return _patient_page(access.patient_id)
    form = ReasonForm(
        request.POST if request.method == "POST" else None,
        required=True,
        label="Why it cannot be confirmed (the patient reads this)",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.decline_invitation(
                access=access, declined_by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "The invitation was declined.")
            return _patient_page(access.patient_id)
    return render(
        request,
        "proxies/staff_decline.html",
        {"access": access, "row": describe(access), "form": form},
    )


@front_desk_required
@require_http_methods(["GET", "POST"])
def end(request: HttpRequest, pk: int) -> HttpResponse:
    access = get_proxy_access_for_staff(request.user, pk)
    if access.status not in (ProxyStatus.ACTIVE, ProxyStatus.PENDING):
        messages.info(request, "This access has already ended.")
        return _patient_page(access.patient_id)
    form = ReasonForm(
        request.POST if request.method == "POST" else None,
        required=True,
        label="Why it ends (the patient and the proxy read this)",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.end_proxy_access(
                access=access, ended_by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"{access.proxy_name} no longer acts for {access.patient.display_name}, from "
                "their next click on.",
            )
            return _patient_page(access.patient_id)
    return render(
        request, "proxies/staff_end.html", {"access": access, "row": describe(access), "form": form}
    )


@front_desk_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    access = get_proxy_access_for_staff(request.user, pk)
    if access.authority != ProxyAuthority.ATTORNEY or access.status != ProxyStatus.ACTIVE:
        messages.info(request, "Only a power of attorney in place is reviewed.")
        return _patient_page(access.patient_id)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_poa_review(
                access=access,
                reviewed_by=request.user,
                review_on=form.cleaned_data["review_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"Review recorded. Next review on {form.cleaned_data['review_on']:%-d %B %Y}.",
            )
            return _patient_page(access.patient_id)
    return render(
        request,
        "proxies/staff_review.html",
        {"access": access, "row": describe(access), "form": form},
    )
