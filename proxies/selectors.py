"""Reads of proxy access: for whom a signed-in proxy may act now, and with what.

The SQL narrows to accesses that could be in force (active, within their dates); what they allow
at this instant is always decided by `proxies.rules.view_of`, never here."""

from __future__ import annotations

import datetime as dt

from .models import ProxyAccess, ProxyStatus
from .rules import ProxyView, view_of


def _candidates(user, now: dt.datetime):
    return (
        ProxyAccess.objects.with_people()
        .for_proxy_user(user)
        .filter(status=ProxyStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now)
        .order_by("patient__legal_name", "patient_id", "-starts_at", "-pk")
    )


def accesses_in_force_for(user, now: dt.datetime) -> list[tuple[ProxyAccess, ProxyView]]:
    """The people `user` acts for now, one access each (the newest in force), with what each
    allows. One query."""
    if not getattr(user, "is_authenticated", False):
        return []
    found: dict[int, tuple[ProxyAccess, ProxyView]] = {}
    for access in _candidates(user, now):
        if access.patient_id in found:
            continue
        view = view_of(access, now)
        if view.in_force:
            found[access.patient_id] = (access, view)
    return list(found.values())


def proxy_standing_for(
    user, patient_id: int, now: dt.datetime
) -> tuple[ProxyAccess, ProxyView] | None:
    """The access under which `user` may act for this patient now, and what it allows; None if
    there is none in force. One query."""
    if not getattr(user, "is_authenticated", False):
        return None
    for access in _candidates(user, now).filter(patient_id=patient_id):
        view = view_of(access, now)
        if view.in_force:
            return access, view
    return None
