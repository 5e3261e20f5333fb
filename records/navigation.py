"""The record's part of the navigation and the staff home (see clinic/extensions.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clinic.models import Role

NAV_ITEMS = [
    (10, _("Your record"), "portal:records", (Role.PATIENT,)),
    (10, "Patients", "staff:patients", (Role.PHYSICIAN,)),
]


def staff_steps(user) -> list[dict]:
    if user.role != Role.PHYSICIAN:
        return []
    return [{"label": "Open the records patients share with you", "url": reverse("staff:patients")}]
