"""Suggestions: the same list for patients (/portal/feedback/suggestions/) and staff
(/staff/suggestions/); privacy officers and admins set the status and reply in public."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from clinic.decorators import patient_required, staff_required, trust_required
from clinic.forms import add_service_error

from . import suggestions as services
from .models import Suggestion, SuggestionStatus, SuggestionSupport


class SuggestionForm(forms.Form):
    title = forms.CharField(label=_("Your suggestion, in a few words"), max_length=150)
    details = forms.CharField(
        label=_("More details (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Please no health details: everyone using the portal can read suggestions."),
    )


class ReplyForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=SuggestionStatus.choices)
    reply = forms.CharField(
        label=_("Public reply"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


def _suggestions(user):
    mine = SuggestionSupport.objects.filter(suggestion=OuterRef("pk"), user=user)
    return (
        Suggestion.objects.with_support()
        .annotate(supported=Exists(mine))
        .order_by("-support_count", "-created_at", "-id")
    )


def _list(request: HttpRequest, *, area: str) -> HttpResponse:
    form = SuggestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.suggest(
                author=request.user,
                title=form.cleaned_data["title"],
                details=form.cleaned_data["details"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Thank you. Your suggestion is on the list."))
            return redirect(f"{area}:suggestions")
    return render(
        request,
        "feedback/suggestions.html",
        {"suggestions": _suggestions(request.user), "form": form, "area": area},
    )


def _support(request: HttpRequest, pk: int, *, area: str) -> HttpResponse:
    suggestion = get_object_or_404(Suggestion, pk=pk)
    if services.support(suggestion=suggestion, user=request.user):
        messages.success(request, _("Your support is counted."))
    else:
        messages.info(request, _("You already support this suggestion."))
    return redirect(f"{area}:suggestions")


@patient_required
@require_http_methods(["GET", "POST"])
def portal_suggestions(request: HttpRequest) -> HttpResponse:
    return _list(request, area="portal")


@patient_required
@require_POST
def portal_support(request: HttpRequest, pk: int) -> HttpResponse:
    return _support(request, pk, area="portal")


@staff_required
@require_http_methods(["GET", "POST"])
def staff_suggestions(request: HttpRequest) -> HttpResponse:
    return _list(request, area="staff")


@staff_required
@require_POST
def staff_support(request: HttpRequest, pk: int) -> HttpResponse:
    return _support(request, pk, area="staff")


@trust_required
@require_http_methods(["GET", "POST"])
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = get_object_or_404(Suggestion.objects.with_support(), pk=pk)
    form = ReplyForm(
        request.POST or None, initial={"status": suggestion.status, "reply": suggestion.reply}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reply_to_suggestion(
                suggestion=suggestion, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your reply is published."))
            return redirect("staff:suggestions")
    return render(
        request, "feedback/suggestion_reply.html", {"suggestion": suggestion, "form": form}
    )
