"""The access log's part of the navigation, the activation handout and the patient's home (see
clinic/extensions.py)."""

from __future__ import annotations

import datetime as dt

import segno
from django.conf import settings
from django.db.models import Count, Exists, IntegerField, Q, Subquery, Value
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from clinic.i18n import day_month_time
from clinic.models import Role

from .keys import trusted_keys
from .models import (
    AccessBasis,
    AccessChainHead,
    AccessChainVerification,
    AccessEvent,
    AccessLogAlarm,
)

NAV_ITEMS = [(30, _("Access log"), "portal:access_log", (Role.PATIENT,))]


def handout_items() -> list[dict]:
    """The fingerprint of the key that signs the access log's checkpoints, handed over face to
    face: with it the patient can check a proof bundle without trusting our website."""
    fingerprint = trusted_keys()[0].fingerprint
    base = settings.PORTAL_BASE_URL.rstrip("/")
    return [
        {
            "title": gettext("Checking your access log yourself"),
            "text": gettext(
                "Every look at your record is written to a log that our key signs. You can "
                "check it on your own computer (see %(url)s). The key's fingerprint must be this "
                "one:"
            )
            % {"url": base + reverse("transparency:index")},
            "value": fingerprint,
            "qr_svg": segno.make(fingerprint, error="m").svg_inline(scale=3, title=fingerprint),
        }
    ]


def portal_figures(*, patient_id: int, user_id: int, month_start: dt.datetime, **_now) -> dict:
    """Looks by other people this month (and how many were emergencies) and how far the log has
    been verified, from the stored mark (`accesslog.verified`) rather than re-hashing: read on
    the patient's home with every other app's figures (patients.views.home_figures)."""
    looks = (
        AccessEvent.objects.filter(patient=patient_id, occurred_at__gte=month_start)
        .exclude(actor_id=user_id)
        .order_by()
        .annotate(one=Value(1))
        .values("one")
    )
    mark = AccessChainVerification.objects.filter(patient=patient_id)
    return {
        "accesslog_looks": Subquery(looks.annotate(n=Count("pk")).values("n")[:1], IntegerField()),
        "accesslog_emergency": Subquery(
            looks.annotate(n=Count("pk", filter=Q(basis=AccessBasis.EMERGENCY))).values("n")[:1],
            IntegerField(),
        ),
        "accesslog_head": Subquery(
            AccessChainHead.objects.filter(patient=patient_id).values("sequence")[:1]
        ),
        "accesslog_verified": Subquery(mark.values("sequence")[:1]),
        "accesslog_verified_at": Subquery(mark.values("verified_at")[:1]),
        "accesslog_broken": Subquery(mark.values("broken_sequence")[:1]),
        # An open alarm about this log, or about the checkpoints (every log): the same rule as
        # the access-log page (`integrity.open_alarms_for`).
        "accesslog_alarm": Exists(
            AccessLogAlarm.objects.filter(
                Q(patient_id=patient_id) | Q(patient__isnull=True), resolved_at__isnull=True
            )
        ),
    }


def portal_summary(patient, figures: dict) -> list[dict]:
    """Looks at the record this month and how far the log has been verified (`portal_figures`)."""
    own = {
        name.removeprefix("accesslog_"): value
        for name, value in figures.items()
        if name.startswith("accesslog_")
    }
    looks_n, emergency = own.get("looks") or 0, own.get("emergency") or 0
    log_url = reverse("portal:access_log")
    return [
        {
            "order": 20,
            "label": gettext("Looks at your record this month"),
            "value": str(looks_n),
            "detail": gettext("%(n)s in an emergency.") % {"n": emergency}
            if looks_n
            else gettext("Not counting your own."),
            "url": log_url,
            "link_text": gettext("See who looked"),
            "alert": bool(emergency),
        },
        _verification(own, log_url),
    ]


def _verification(figures: dict, log_url: str) -> dict:
    item = {
        "order": 50,
        "label": gettext("Your access log"),
        "url": log_url,
        "link_text": gettext("Check it"),
    }
    head, verified = figures.get("head") or 0, figures.get("verified") or 0
    if figures.get("alarm"):
        return {
            **item,
            "value": gettext("A problem was found"),
            "detail": gettext("Your log could not be verified: see what was found."),
            "alert": True,
        }
    if figures.get("broken") is not None:
        return {
            **item,
            "value": gettext("A problem was found"),
            "detail": gettext("Look number %(n)s does not verify: see what was found.")
            % {"n": figures["broken"]},
            "alert": True,
        }
    if not head:
        return {
            **item,
            "value": gettext("Nothing to verify yet"),
            "detail": gettext("No one has looked."),
        }
    checked_at = figures.get("verified_at")
    when = {"when": day_month_time(checked_at)} if checked_at else None
    if verified >= head:
        return {
            **item,
            "value": gettext("No problem found"),
            "detail": gettext("Every look was checked, the latest on %(when)s.") % when
            if when
            else gettext("Every look was checked."),
        }
    if verified and when:
        detail = gettext("Checked up to look number %(n)s on %(when)s.") % {"n": verified, **when}
    elif verified:
        detail = gettext("Checked up to look number %(n)s; not yet checked since.") % {
            "n": verified
        }
    else:
        detail = gettext("Not yet checked.")
    unchecked = head - verified
    return {
        **item,
        "value": ngettext("%(n)s new look to check", "%(n)s new looks to check", unchecked)
        % {"n": unchecked},
        "detail": detail,
        "link_text": gettext("Check them now"),
    }
