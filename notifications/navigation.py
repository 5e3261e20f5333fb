"""The outbox's part of the navigation (see clinic/extensions.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from clinic.models import STAFF_ROLES, Role

from .models import Notification

NAV_ITEMS = [
    (40, _("Notifications"), "portal:notifications", (Role.PATIENT,)),
    (95, "Notifications", "staff:notifications", tuple(STAFF_ROLES)),
]


def nav_badges(user) -> dict:
    if user.role == Role.PATIENT:
        url_name = "portal:notifications"
    elif user.role in STAFF_ROLES:
        url_name = "staff:notifications"
    else:
        return {}
    unread = Notification.objects.filter(recipient=user).unread()
    return {url_name: (unread, _("unread"))}
