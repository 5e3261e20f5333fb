"""Consent's part of the navigation and home pages (see clinic/extensions.py)."""

from __future__ import annotations

from django.urls import reverse

from clinic.models import Role

from .models import AccessRequest, EmergencyAccess, Notification, RequestStatus

NAV_ITEMS = [
    (10, "Your record", "portal:records", (Role.PATIENT,)),
    (20, "Sharing", "portal:sharing", (Role.PATIENT,)),
    (30, "Access log", "portal:access_log", (Role.PATIENT,)),
    (40, "Notifications", "portal:notifications", (Role.PATIENT,)),
    (10, "Patients", "staff:patients", (Role.PHYSICIAN,)),
    (15, "Access requests", "staff:access_requests", (Role.PHYSICIAN,)),
    (10, "Emergency reviews", "staff:emergency_queue", (Role.PRIVACY_OFFICER,)),
]


def nav_badges(user) -> dict:
    if user.role == Role.PATIENT:
        unread = Notification.objects.filter(recipient=user).unread().count()
        return {"portal:notifications": (unread, "unread")}
    if user.role == Role.PRIVACY_OFFICER:
        waiting = EmergencyAccess.objects.awaiting_review().count()
        return {"staff:emergency_queue": (waiting, "waiting for review")}
    return {}


def staff_steps(user) -> list[dict]:
    if user.role == Role.PHYSICIAN:
        return [
            {"label": "Open the records patients share with you", "url": reverse("staff:patients")},
            {
                "label": "Ask a patient for access",
                "url": reverse("staff:find_patient"),
                "hint": "or, when care cannot wait, use emergency access (logged and reviewed).",
            },
        ]
    if user.role == Role.PRIVACY_OFFICER:
        waiting = EmergencyAccess.objects.awaiting_review().count()
        return [
            {
                "label": f"Review emergency accesses ({waiting} waiting)",
                "url": reverse("staff:emergency_queue"),
            }
        ]
    return []


def portal_steps(patient) -> list[dict]:
    pending = AccessRequest.objects.filter(patient=patient, status=RequestStatus.PENDING).count()
    if not pending:
        return []
    return [
        {
            "label": f"Answer {pending} request{'s' if pending > 1 else ''} to see your record",
            "url": reverse("portal:sharing"),
            "done": False,
        }
    ]
