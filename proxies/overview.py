"""Reads about proxy access for the pages that set it up and end it, in the words they show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.models import CATEGORY_PLURALS, Patient

from .models import ProxyAccess, ProxyArea, ProxyAuthority, ProxyStatus
from .rules import AgeStage, view_of

# What each area lets a proxy do, as the pages say it.
AREA_PHRASES = {
    ProxyArea.RECORD: _("read the health record"),
    ProxyArea.ACCESS_LOG: _("see who looked at the record"),
    ProxyArea.SHARING: _("manage who the record is shared with"),
    ProxyArea.EDUCATION: _("read health information from the clinic"),
    ProxyArea.CONCERNS: _("raise concerns and ask questions"),
}


@dataclass(frozen=True)
class ProxyRow:
    """One access as a list shows it."""

    access: ProxyAccess
    may: list[str]
    in_force: bool
    state: str  # "active", "not_in_force", "pending", "ended", "declined"
    note: str


def _record_phrase(access: ProxyAccess, include_sensitive: bool) -> str:
    if access.record_categories:
        kinds = ", ".join(str(CATEGORY_PLURALS.get(c, c)) for c in access.record_categories)
        if include_sensitive:
            text = gettext(
                "read %(kinds)s in the health record, including entries marked sensitive"
            )
        else:
            text = gettext("read %(kinds)s in the health record (not entries marked sensitive)")
        return text % {"kinds": kinds}
    if include_sensitive:
        return gettext("read the health record, including entries marked sensitive")
    return gettext("read the health record (not entries marked sensitive)")


def describe(access: ProxyAccess, now: dt.datetime | None = None) -> ProxyRow:
    """What this access lets the proxy do now, from the one decision (`rules.view_of`), or, for
    an access not in force, what it would let them do."""
    now = now or timezone.now()
    view = view_of(access, now)
    if access.status == ProxyStatus.PENDING:
        state, note = "pending", gettext("Waiting for them to come to the clinic with photo ID.")
    elif access.status == ProxyStatus.DECLINED:
        state, note = "declined", access.end_reason
    elif access.status == ProxyStatus.ENDED:
        state, note = "ended", access.end_reason
    elif view.in_force:
        state, note = "active", ""
        if view.stage == AgeStage.LIMITED:
            note = gettext("Limited by age: no entries marked sensitive and no sharing choices.")
    else:
        state = "not_in_force"
        if access.ends_at <= now:
            note = gettext("The end date has passed.")
        elif access.starts_at > now:
            note = gettext("Not started yet.")
        elif access.review_on is not None and timezone.localdate(now) > access.review_on:
            note = gettext("The power of attorney is waiting for its review at the clinic.")
        elif access.authority == ProxyAuthority.PARENTAL:
            note = gettext("No longer in effect: the young person now uses the portal alone.")
        else:
            note = ""
    areas = view.areas if view.in_force else frozenset(access.areas)
    sensitive = view.include_sensitive if view.in_force else access.include_sensitive
    may = [
        _record_phrase(access, sensitive) if area == ProxyArea.RECORD else str(AREA_PHRASES[area])
        for area in ProxyArea.values
        if area in areas
    ]
    return ProxyRow(access, may, view.in_force, state, note)


def people_acting_for(patient: Patient, now: dt.datetime | None = None) -> dict:
    """The patient's proxies for their sharing page and the front desk: current (active or
    pending) and ended."""
    now = now or timezone.now()
    rows = [describe(a, now) for a in ProxyAccess.objects.filter(patient=patient).with_people()]
    return {
        "current": [r for r in rows if r.state in ("active", "not_in_force", "pending")],
        "ended": [r for r in rows if r.state in ("ended", "declined")],
    }


def people_helped_by(proxy: Patient, now: dt.datetime | None = None) -> list[ProxyRow]:
    """The people this proxy acts for (or did), newest first."""
    now = now or timezone.now()
    return [
        describe(a, now)
        for a in ProxyAccess.objects.filter(proxy=proxy)
        .exclude(status=ProxyStatus.DECLINED)
        .with_people()
    ]


def pending_invitations():
    return (
        ProxyAccess.objects.filter(status=ProxyStatus.PENDING)
        .with_people()
        .order_by("requested_at")
    )
