"""Proxies' part of the staff and portal pages (see clinic/extensions.py)."""

from __future__ import annotations

from django.urls import reverse

from clinic.decorators import ONBOARDING_ROLES
from patients.models import Patient

from .overview import pending_invitations, people_acting_for, people_helped_by


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
