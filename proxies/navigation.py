"""Proxies' part of every page (see clinic/extensions.py): whose record is shown.

Every page a person who acts for someone sees says whose record it is. That costs no query of
its own: whether they act for anyone is counted with the navigation badges (one query for all),
and the person acted for comes with the access the page's `portal_area` check loaded.

The front desk's part: the invitations waiting on the staff home, and the "Carers and proxies"
section of a patient's page."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from clinic.decorators import ONBOARDING_ROLES
from clinic.models import Role
from patients.models import Patient

from .acting import SESSION_KEY
from .models import ProxyAccess, ProxyStatus
from .overview import pending_invitations, people_acting_for, people_helped_by

ACTS_FOR = "portal:acting_for"


def nav_badges(user) -> dict:
    """The active accesses (dates and age rules are applied on the switch page; this only
    decides whether the banner offers a switch). Counted, never shown as a badge. No clock
    here: the counting query is prepared once per process (clinic/prepared.py), so a time in
    it would be frozen at the first request."""
    if user.role != Role.PATIENT:
        return {}
    accesses = ProxyAccess.objects.for_proxy_user(user).filter(status=ProxyStatus.ACTIVE)
    return {ACTS_FOR: (accesses, "people you act for")}


def page_context(request: HttpRequest, badges: dict) -> dict:
    """`acting_for`: the patient whose portal this page shows, when it is not the signed-in
    person's own; `acting_banner`: what the banner at the top of the page says, if anything."""
    access = getattr(request, "proxy_access", None)
    if access is not None:
        return {
            "acting_for": access.patient,
            "acting_banner": {
                "kind": "acting",
                "name": access.patient.display_name,
                "relationship": access.relationship_word,
            },
        }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role != Role.PATIENT:
        return {}
    choice = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if isinstance(choice, dict) and choice.get("name"):
        # An own-only page (notifications, export, account) while acting for someone.
        return {"acting_banner": {"kind": "own_page", "name": choice["name"]}}
    if badges.get(ACTS_FOR, (0, ""))[0]:
        return {"acting_banner": {"kind": "own"}}
    return {}


def staff_steps(user) -> list[dict]:
    if user.role not in ONBOARDING_ROLES:
        return []
    waiting = pending_invitations().count()
    if not waiting:
        return []
    return [
        {
            "label": f"Invitations to act for a patient waiting for an in-person check ({waiting})",
            "url": reverse("staff:proxy_invitations"),
            "hint": "confirm when the invited person is at the desk with photo ID",
        }
    ]


def staff_patient_sections(patient: Patient) -> list[dict]:
    """The "Carers and proxies" section of the front desk's page of a patient."""
    return [
        {
            "template": "proxies/staff_patient_section.html",
            "patient": patient,
            **people_acting_for(patient),
            "helps": [
                row for row in people_helped_by(patient) if row.state in ("active", "not_in_force")
            ],
        }
    ]
