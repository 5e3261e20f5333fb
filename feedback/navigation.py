"""Feedback's part of the navigation and the staff home (see clinic/extensions.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.extensions import count_of
from clinic.models import Role

from .models import OPEN_STATUSES, Grievance

NAV_ITEMS = [
    (60, _("Feedback"), "portal:feedback", (Role.PATIENT,)),
    (20, "Grievances", "staff:grievances", (Role.PRIVACY_OFFICER,)),
    (
        90,
        "Suggestions",
        "staff:suggestions",
        (Role.FRONT_DESK, Role.PHYSICIAN, Role.PRIVACY_OFFICER, Role.ADMIN),
    ),
]


def staff_steps(user) -> list[dict]:
    """Privacy officers see overdue concerns first, then the open ones."""
    if user.role != Role.PRIVACY_OFFICER:
        return []
    steps = []
    overdue = Grievance.objects.overdue().count()
    if overdue:
        steps.append(
            {
                "label": f"Overdue: {overdue} concern{'s' if overdue != 1 else ''} past a deadline",
                "url": reverse("staff:grievances"),
                "hint": "Acknowledge, answer in writing or send an extension notice now.",
            }
        )
    waiting = Grievance.objects.open().count()
    if waiting:
        steps.append(
            {
                "label": f"{waiting} open concern{'s' if waiting != 1 else ''} to work on",
                "url": reverse("staff:grievances"),
            }
        )
    return steps


def access_event_marks(patient, event_ids: list[int]) -> dict[int, dict]:
    """Rows of the access log the patient has raised a concern about: "Concern open" (or
    "Concern answered") linking to the concern. One query."""
    marks: dict[int, dict] = {}
    concerns = (
        Grievance.objects.filter(patient=patient, access_event_id__in=event_ids)
        .order_by("created_at", "id")
        .values_list("pk", "access_event_id", "status")
    )
    for pk, event_id, status in concerns:
        is_open = status in OPEN_STATUSES
        if not marks.get(event_id, {}).get("open"):
            marks[event_id] = {
                "label": gettext("Concern open") if is_open else gettext("Concern closed"),
                "open": is_open,
                "url": reverse("portal:concern", args=[pk]),
            }
    return marks


def portal_figures(*, patient_id: int, **_others) -> dict:
    """The patient's concerns still open, read on their home with every other app's figures
    (patients.views.home_figures)."""
    return {"feedback_open_concerns": count_of(Grievance.objects.open().filter(patient=patient_id))}


def portal_summary(patient, figures: dict) -> list[dict]:
    """The patient's concerns still open (`portal_figures`)."""
    concerns = figures.get("feedback_open_concerns") or 0
    return [
        {
            "order": 40,
            "label": gettext("Your open concerns"),
            "value": str(concerns),
            "url": reverse("portal:feedback"),
            "link_text": gettext("See them") if concerns else gettext("Raise a concern"),
        }
    ]
