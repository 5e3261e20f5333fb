"""The patient's surveys: answer an invitation once, then see their own answers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clinic.decorators import patient_required
from clinic.forms import add_service_error

from . import surveys
from .access import get_invitation_for
from .models import SurveyAnswer
from .survey_forms import SurveyForm


@patient_required
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_invitation_for(request.user, pk)
    if invitation.answered_at is not None:
        answers = SurveyAnswer.objects.filter(response__invitation=invitation).select_related(
            "item"
        )
        if request.method == "POST":
            messages.info(request, "You have already answered this survey. Thank you.")
            return redirect("portal:survey", pk=invitation.pk)
        return render(
            request,
            "feedback/portal_survey_answered.html",
            {"invitation": invitation, "answers": answers, "response": invitation.response},
        )
    form = SurveyForm(request.POST or None, instrument=invitation.instrument)
    if request.method == "POST" and form.is_valid():
        try:
            surveys.answer_survey(invitation=invitation, answers=form.answers())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Thank you. Your answers are saved.")
            return redirect("portal:survey", pk=invitation.pk)
    return render(request, "feedback/portal_survey.html", {"invitation": invitation, "form": form})
