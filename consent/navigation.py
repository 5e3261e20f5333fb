"""Consent's part of the navigation and home pages (see clinic/extensions.py)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from clinic.extensions import count_of
from clinic.i18n import day_month_time
from clinic.models import Role
from clinic.prepared import DATETIME, INT, PreparedQuery

from .models import AccessRequest, ConsentGrant, EmergencyAccess, RequestStatus

NAV_ITEMS = [
    (20, _("Sharing"), "portal:sharing", (Role.PATIENT,)),
    (15, "Access requests", "staff:access_requests", (Role.PHYSICIAN,)),
    (10, "Emergency reviews", "staff:emergency_queue", (Role.PRIVACY_OFFICER,)),
]


def nav_badges(user) -> dict:
    if user.role == Role.PRIVACY_OFFICER:
        waiting = EmergencyAccess.objects.awaiting_review()
        return {"staff:emergency_queue": (waiting, "waiting for review")}
    return {}


def staff_steps(user) -> list[dict]:
    if user.role == Role.PHYSICIAN:
        return [
            {
                "label": "Ask a patient for access",
                "url": reverse("staff:find_patient"),
                "hint": "or, when care cannot wait, use emergency access (logged and reviewed).",
            },
        ]
    if user.role == Role.PRIVACY_OFFICER:
        waiting = EmergencyAccess.objects.awaiting_review()
        return [
            {
                "label": f"Review emergency accesses ({waiting} waiting)",
                "url": reverse("staff:emergency_queue"),
            }
        ]
    return []


def portal_steps(patient, figures: dict) -> list[dict]:
    pending = figures.get("consent_requests") or 0
    if not pending:
        return []
    return [
        {
            "label": ngettext(
                "Answer %(n)s request to see your record",
                "Answer %(n)s requests to see your record",
                pending,
            )
            % {"n": pending},
            "url": reverse("portal:sharing"),
            "done": False,
        }
    ]


def in_person_choices(patient) -> list[str]:
    """The sharing choices the patient told the front desk at their visit (on the visit page)."""
    return [grant.describe() for grant in ConsentGrant.objects.given_in_person(patient)]


def _open_emergencies(patient_id: int, now: dt.datetime):
    return (
        EmergencyAccess.objects.open(now)
        .filter(patient=patient_id)
        .select_related("physician__staff_profile")
    )


_OPEN_EMERGENCIES = PreparedQuery(_open_emergencies, patient_id=INT, now=DATETIME)


def portal_notices(patient, figures: dict) -> list[dict]:
    """What the patient must see first on their home page: an emergency access open right now
    (looked up only when `portal_figures` counted one)."""
    notices = []
    if not figures.get("consent_emergency", 1):
        return notices
    for access in _OPEN_EMERGENCIES(patient_id=patient.pk, now=timezone.now()):
        notices.append(
            {
                "title": gettext("Your record is open in an emergency"),
                "text": gettext(
                    "%(physician)s opened your record in an emergency on %(opened)s, until "
                    "%(until)s."
                )
                % {
                    "physician": access.physician.display_name,
                    "opened": day_month_time(access.opened_at),
                    "until": f"{timezone.localtime(access.closed_at):%H:%M}",
                },
                "url": reverse("portal:sharing") + f"#emergency-{access.pk}",
                "link_text": gettext("Why, and what you can do"),
            }
        )
    return notices


def portal_figures(*, patient_id: int, now: dt.datetime, **_ids) -> dict:
    """Who can see the record right now and the requests waiting for an answer, as counts read
    on the patient's home with every other app's (patients.views.home_figures)."""
    grants = ConsentGrant.objects.in_force(now).filter(patient=patient_id)
    return {
        "consent_people": count_of(grants.filter(grantee_user__isnull=False), "grantee_user"),
        "consent_teams": count_of(grants.filter(grantee_team__isnull=False), "grantee_team"),
        "consent_emergency": count_of(
            EmergencyAccess.objects.open(now).filter(patient=patient_id), "physician"
        ),
        "consent_requests": count_of(
            AccessRequest.objects.filter(patient=patient_id, status=RequestStatus.PENDING)
        ),
    }


def portal_summary(patient, figures: dict) -> list[dict]:
    """Who can see the record right now and what is waiting for an answer (`portal_figures`)."""
    people, teams = figures.get("consent_people") or 0, figures.get("consent_teams") or 0
    emergency = figures.get("consent_emergency") or 0
    requests = figures.get("consent_requests") or 0
    detail = gettext("Only you.") if not people and not teams else ""
    if emergency:
        detail = ngettext(
            "Plus %(n)s person in an emergency right now.",
            "Plus %(n)s people in an emergency right now.",
            emergency,
        ) % {"n": emergency}
    return [
        {
            "order": 10,
            "label": gettext("Who can see your record now"),
            "value": gettext("%(people)s, %(teams)s")
            % {"people": _people(people), "teams": _teams(teams)},
            "detail": detail,
            "url": reverse("portal:sharing"),
            "link_text": gettext("Sharing"),
            "alert": bool(emergency),
        },
        {
            "order": 30,
            "label": gettext("Requests waiting for your answer"),
            "value": str(requests),
            "url": reverse("portal:sharing"),
            "link_text": gettext("Answer them") if requests else gettext("Sharing"),
            "alert": bool(requests),
        },
    ]


def _people(n: int) -> str:
    return ngettext("%(n)s person", "%(n)s people", n) % {"n": n}


def _teams(n: int) -> str:
    return ngettext("%(n)s team", "%(n)s teams", n) % {"n": n}
