"""Education's part of the navigation, the staff home and the patient's home."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Exists
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.models import Role
from clinic.prepared import INT, PreparedQuery

from .models import ArticleVersion, Assignment, Question
from .services import question_waits_too_long

NAV_ITEMS = [
    (40, _("Health library"), "education:library", ("anonymous", Role.PATIENT)),
    (41, _("Your reading"), "portal:education", (Role.PATIENT,)),
    (40, "Education", "staff:education_articles", (Role.PHYSICIAN,)),
]


def nav_badges(user) -> dict:
    if user.role == Role.PHYSICIAN:
        waiting = ArticleVersion.objects.awaiting_review_by(user)
        return {"staff:education_articles": (waiting, "articles waiting for your review")}
    patient = getattr(user, "patient", None)
    if user.role == Role.PATIENT and patient is not None:
        unread = (
            Assignment.objects.for_patient(patient)
            .awaiting_answer()
            .filter(first_read_at__isnull=True)
        )
        return {"portal:education": (unread, _("new articles to read"))}
    return {}


def staff_steps(user) -> list[dict]:
    if user.role != Role.PHYSICIAN:
        return []
    steps = []
    waiting = ArticleVersion.objects.awaiting_review_by(user).count()
    if waiting:
        steps.append(
            {
                "label": f"Review {waiting} article{'s' if waiting != 1 else ''} from colleagues",
                "url": reverse("staff:education_articles") + "#to-review",
                "hint": "Another physician must approve each article before it is published.",
            }
        )
    unanswered = Question.objects.for_physician(user).unanswered()
    questions = unanswered.count()
    if questions:
        now = timezone.now()
        days = settings.EDUCATION_QUESTION_DAYS
        # The calendar bound only narrows the rows; the rule is services.question_waits_too_long.
        late = sum(
            question_waits_too_long(question, now)
            for question in unanswered.filter(asked_at__lte=now - dt.timedelta(days=days)).only(
                "asked_at", "answered_at"
            )
        )
        steps.append(
            {
                "label": f"{questions} patient question{'s' if questions != 1 else ''} about "
                "articles you assigned to answer"
                + (f" ({late} waiting more than {days} working days)" if late else ""),
                "url": reverse("staff:education_questions"),
            }
        )
    steps.append(
        {
            "label": "Write or assign plain-language health articles",
            "url": reverse("staff:education_articles"),
        }
    )
    return steps


def _first_to_read(patient_id: int):
    return Assignment.objects.for_patient(patient_id).awaiting_answer()[:3]


# On every patient's home page: built and compiled once per process (clinic/prepared.py).
_FIRST_TO_READ = PreparedQuery(_first_to_read, patient_id=INT)


def portal_figures(*, patient_id: int, **_others) -> dict:
    """Whether any assignment waits for the patient, read on their home with every other app's
    figures (patients.views.home_figures): the assignments themselves only when one does."""
    waiting = Assignment.objects.for_patient(patient_id).awaiting_answer().order_by()
    return {"education_waiting": Exists(waiting)}


def portal_steps(patient, figures: dict) -> list[dict]:
    if not figures.get("education_waiting", True):
        return []
    assignments = _FIRST_TO_READ(patient_id=patient.pk)
    return [
        {
            "label": gettext("Read “%(title)s” from %(physician)s")
            % {
                "title": assignment.article.published_version.title,
                "physician": assignment.assigned_by.display_name,
            },
            "url": reverse("portal:education_assignment", args=[assignment.pk]),
            "done": False,
        }
        for assignment in assignments
    ]
