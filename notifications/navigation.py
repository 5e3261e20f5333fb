"""The outbox's part of the navigation (see clinic/extensions.py)."""

from __future__ import annotations

from clinic.models import Role

from .models import Notification

NAV_ITEMS = [(40, "Notifications", "portal:notifications", (Role.PATIENT,))]


def nav_badges(user) -> dict:
    if user.role != Role.PATIENT:
        return {}
    unread = Notification.objects.filter(recipient=user).unread()
    return {"portal:notifications": (unread, "unread")}
