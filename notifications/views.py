"""The notifications pages: the patient's (every message, and how they want its emails) and
staff members' (/staff/notifications/)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from clinic.decorators import patient_required, staff_required

from . import services
from .forms import EmailPreferenceForm
from .models import Notification


def _listing(request: HttpRequest, template: str, page_number=None, **context) -> HttpResponse:
    """The signed-in person's own notifications, 25 a page."""
    items = Notification.objects.filter(recipient=request.user)
    page = Paginator(items, 25).get_page(page_number)
    return render(request, template, {"page": page, **context})


def _page(request: HttpRequest, form: EmailPreferenceForm, page_number=None) -> HttpResponse:
    return _listing(request, "notifications/portal_notifications.html", page_number, form=form)


@patient_required
def notifications(request: HttpRequest) -> HttpResponse:
    form = EmailPreferenceForm(initial={"delivery": services.record_access_delivery(request.user)})
    return _page(request, form, request.GET.get("page"))


@patient_required
@require_POST
def notifications_mark_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(user=request.user)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("portal:notifications")


@patient_required
@require_POST
def notification_preference(request: HttpRequest) -> HttpResponse:
    form = EmailPreferenceForm(request.POST)
    if form.is_valid():
        services.set_record_access_delivery(
            user=request.user, delivery=form.cleaned_data["delivery"]
        )
        messages.success(request, _("Your choice is saved."))
        return redirect("portal:notifications")
    return _page(request, form)


@staff_required
def staff_notifications(request: HttpRequest) -> HttpResponse:
    """Staff see their notifications in the portal too, not only by email."""
    return _listing(request, "notifications/staff_notifications.html", request.GET.get("page"))


@staff_required
@require_POST
def staff_notifications_mark_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(user=request.user)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("staff:notifications")
