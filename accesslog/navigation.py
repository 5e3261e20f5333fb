"""The access log's part of the navigation and the patient's home (see clinic/extensions.py)."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.urls import reverse
from django.utils import timezone

from clinic.models import Role
from patients.models import Patient

from .models import AccessBasis, AccessChainHead, AccessChainVerification, AccessEvent

NAV_ITEMS = [(30, "Access log", "portal:access_log", (Role.PATIENT,))]


def _month_start():
    now = timezone.localtime()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def portal_summary(patient) -> list[dict]:
    """Looks by other people this month (and how many were emergencies) and how far the log has
    been verified, from the stored mark (`accesslog.verified`) rather than re-hashing. One query."""
    looks = (
        AccessEvent.objects.filter(patient=OuterRef("pk"), occurred_at__gte=_month_start())
        .exclude(actor_id=patient.user_id)
        .order_by()
        .annotate(one=Value(1))
        .values("one")
    )
    mark = AccessChainVerification.objects.filter(patient=OuterRef("pk"))
    figures = (
        Patient.objects.filter(pk=patient.pk)
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
        )
        .values("looks", "emergency", "head", "verified", "verified_at", "broken")
        .first()
    ) or {}
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
