"""The patient's reading list at /portal/education/: articles their physicians gave them, with the
physician's note; "I understand", "I have a question" and a helpfulness rating. Only the portal's
patient's own assignments (the signed-in patient's, or those of someone they act for with the
"education" area), loaded through `education.access`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from clinic.forms import add_service_error, service_error_text
from patients.models import ChecklistItem
from patients.services import note_portal_step
from proxies.acting import portal_area
from proxies.models import ProxyArea

from . import services
from .access import get_assignment_for
from .forms import QuestionForm, RatingForm, ResponseForm
from .models import Assignment, Response


@portal_area(ProxyArea.EDUCATION)
@require_GET
def reading_list(request: HttpRequest) -> HttpResponse:
    note_portal_step(request, ChecklistItem.EDUCATION)
    assignments = Assignment.objects.for_patient(request.patient)
    return render(request, "education/portal_list.html", {"assignments": assignments})


def _assignment_page(request, assignment, *, question_form=None) -> HttpResponse:
    version = assignment.article.published_version
    return render(
        request,
        "education/portal_assignment.html",
        {
            "assignment": assignment,
            "article": assignment.article,
            "version": version,
            "topics": version.topics.all(),
            "questions": assignment.questions.select_related("answered_by__staff_profile"),
            "question_form": question_form or QuestionForm(),
            "rating_form": RatingForm(initial={"helpful": assignment.helpful}),
            "Response": Response,
        },
    )


@portal_area(ProxyArea.EDUCATION)
@require_GET
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for(request.user, pk, patient=request.patient)
    if not assignment.article.archived_at:
        # Read by the patient themself: someone reading it for them does not mark it read.
        if assignment.first_read_at is None and request.proxy_access is None:
            services.record_assignment_read(assignment)
        services.record_article_view(assignment.article)
    return _assignment_page(request, assignment)


@portal_area(ProxyArea.EDUCATION)
@require_POST
def ask(request: HttpRequest, pk: int) -> HttpResponse:
    """ "I have a question": the patient's question in writing, for the physician to answer."""
    assignment = get_assignment_for(request.user, pk, patient=request.patient)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.ask_question(assignment=assignment, text=form.cleaned_data["text"])
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                messages.error(request, service_error_text(error))
                return redirect("portal:education_assignment", pk=assignment.pk)
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"Your question is sent to {assignment.assigned_by.display_name}. You will find "
                "the answer on this page; we will tell you when it is there.",
            )
            return redirect("portal:education_assignment", pk=assignment.pk)
    return _assignment_page(request, assignment, question_form=form)


@portal_area(ProxyArea.EDUCATION)
@require_POST
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for(request.user, pk, patient=request.patient)
    form = ResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose “I understand” or “I have a question”.")
        return redirect("portal:education_assignment", pk=assignment.pk)
    try:
        services.respond_to_assignment(
            assignment=assignment, response=form.cleaned_data["response"]
        )
    except ValidationError as error:
        messages.error(request, service_error_text(error))
    else:
        messages.success(request, "Thank you for letting us know.")
    return redirect("portal:education_assignment", pk=assignment.pk)


@portal_area(ProxyArea.EDUCATION)
@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for(request.user, pk, patient=request.patient)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how helpful the article was, from 1 to 5.")
        return redirect("portal:education_assignment", pk=assignment.pk)
    try:
        services.rate_assignment(assignment=assignment, helpful=form.cleaned_data["helpful"])
    except ValidationError as error:
        messages.error(request, service_error_text(error))
    else:
        messages.success(request, "Thank you for rating this article.")
    return redirect("portal:education_assignment", pk=assignment.pk)
