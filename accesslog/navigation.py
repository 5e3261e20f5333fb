"""The access log's part of the navigation, the activation handout and the patient's home (see
clinic/extensions.py)."""

from __future__ import annotations

import datetime as dt

import segno
from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.urls import reverse
from django.utils import timezone

from clinic.models import Role
from clinic.prepared import DATETIME, INT, PreparedQuery
from patients.models import Patient

from .keys import trusted_keys
from .models import (
    AccessBasis,
    AccessChainHead,
    AccessChainVerification,
    AccessEvent,
    AccessLogAlarm,
)

NAV_ITEMS = [(30, "Access log", "portal:access_log", (Role.PATIENT,))]


def handout_items() -> list[dict]:
    """The fingerprint of the key that signs the access log's checkpoints, handed over face to
    face: with it the patient can check a proof bundle without trusting our website."""
    fingerprint = trusted_keys()[0].fingerprint
    base = settings.PORTAL_BASE_URL.rstrip("/")
    return [
        {
            "title": "Checking your access log yourself",
            "text": "Every look at your record is written to a log that our key signs. You can "
            f"check it on your own computer (see {base}{reverse('transparency:index')}). The key's "
            "fingerprint "
            "must be this one:",
            "value": fingerprint,
            "qr_svg": segno.make(fingerprint, error="m").svg_inline(scale=3, title=fingerprint),
        }
    ]


def _month_start():
    now = timezone.localtime()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _summary_figures(patient_id: int, user_id: int, month_start: dt.datetime):
    looks = (
        AccessEvent.objects.filter(patient=OuterRef("pk"), occurred_at__gte=month_start)
        .exclude(actor_id=user_id)
        .order_by()
        .annotate(one=Value(1))
        .values("one")
    )
    mark = AccessChainVerification.objects.filter(patient=OuterRef("pk"))
    return (
        Patient.objects.filter(pk=patient_id)
        .annotate(
            looks=Subquery(looks.annotate(n=Count("pk")).values("n")[:1], IntegerField()),
            emergency=Subquery(
                looks.annotate(n=Count("pk", filter=Q(basis=AccessBasis.EMERGENCY))).values("n")[
                    :1
                ],
                IntegerField(),
            ),
            head=Subquery(
                AccessChainHead.objects.filter(patient=OuterRef("pk")).values("sequence")[:1]
            ),
            verified=Subquery(mark.values("sequence")[:1]),
            verified_at=Subquery(mark.values("verified_at")[:1]),
            broken=Subquery(mark.values("broken_sequence")[:1]),
            # An open alarm about this log, or about the checkpoints (every log): the same rule
            # as the access-log page (`integrity.open_alarms_for`).
            alarm=Exists(
                AccessLogAlarm.objects.filter(
                    Q(patient_id=OuterRef("pk")) | Q(patient__isnull=True), resolved_at__isnull=True
                )
            ),
        )
        .values("looks", "emergency", "head", "verified", "verified_at", "broken", "alarm")[:1]
    )


# On every patient's home page: built and compiled once per process (clinic/prepared.py).
_SUMMARY_FIGURES = PreparedQuery(
    _summary_figures, patient_id=INT, user_id=INT, month_start=DATETIME
)


def portal_summary(patient) -> list[dict]:
    """Looks by other people this month (and how many were emergencies) and how far the log has
    been verified, from the stored mark (`accesslog.verified`) rather than re-hashing. One query."""
    rows = _SUMMARY_FIGURES(
        patient_id=patient.pk, user_id=patient.user_id, month_start=_month_start()
    )
    figures = rows[0] if rows else {}
    looks_n, emergency = figures.get("looks") or 0, figures.get("emergency") or 0
    log_url = reverse("portal:access_log")
    return [
        {
            "order": 20,
            "label": "Looks at your record this month",
            "value": str(looks_n),
            "detail": f"{emergency} in an emergency." if looks_n else "Not counting your own.",
            "url": log_url,
            "link_text": "See who looked",
            "alert": bool(emergency),
        },
        _verification(figures, log_url),
    ]


def _verification(figures: dict, log_url: str) -> dict:
    item = {"order": 50, "label": "Your access log", "url": log_url, "link_text": "Check it"}
    head, verified = figures.get("head") or 0, figures.get("verified") or 0
    if figures.get("alarm"):
        return {
            **item,
            "value": "A problem was found",
            "detail": "Your log could not be verified: see what was found.",
            "alert": True,
        }
    if figures.get("broken") is not None:
        return {
            **item,
            "value": "A problem was found",
            "detail": f"Look number {figures['broken']} does not verify: see what was found.",
            "alert": True,
        }
    if not head:
        return {**item, "value": "Nothing to verify yet", "detail": "No one has looked."}
    checked_at = figures.get("verified_at")
    when = (
        f"on {timezone.localtime(checked_at):%-d %B at %H:%M}" if checked_at else "not yet checked"
    )
    if verified >= head:
        return {
            **item,
            "value": "No problem found",
            "detail": f"Every look was checked, the latest {when}.",
        }
    return {
        **item,
        "value": f"{head - verified} new look{'s' if head - verified != 1 else ''} to check",
        "detail": f"Checked up to look number {verified} {when}."
        if verified
        else when.capitalize() + ".",
        "link_text": "Check them now",
    }
