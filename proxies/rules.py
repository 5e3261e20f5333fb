"""What a proxy access allows at one instant: the one decision every proxy read goes through.

A pure function of the access row, the patient's date of birth and the clock, so it is tested
exhaustively (and by property tests) without a database.

Parental responsibility follows the clinic's age rules (settings, defaults from helsenorge):
until `PROXY_CHILD_FULL_UNTIL` (12) the parent has what the access gives; from then until
`PROXY_CHILD_ALONE_FROM` (16) the parent no longer sees sensitive entries or the child's own
sharing choices; from then on the parental access has no effect (the young person may invite
the parent back with an access of their own authority).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from .models import ProxyArea, ProxyAuthority, ProxyStatus


class AgeStage:
    FULL = "full"  # a young child: the parent has what the access gives
    LIMITED = "limited"  # no sensitive entries, no sharing choices
    ALONE = "alone"  # the young person alone


@dataclass(frozen=True)
class ProxyView:
    """What the proxy may do now. `categories` None means every category of the record."""

    in_force: bool
    areas: frozenset[str]
    categories: frozenset[str] | None
    include_sensitive: bool
    stage: str | None = None  # the age stage, for parental access only

    def allows(self, area: str) -> bool:
        return self.in_force and area in self.areas


NOTHING = ProxyView(
    in_force=False, areas=frozenset(), categories=frozenset(), include_sensitive=False
)


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Whole years of age on `day` (a 29 February birthday counts from 1 March)."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def birthday_at(date_of_birth: dt.date, age: int) -> dt.date:
    """The day the person turns `age` (29 February → 1 March in common years)."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:
        return dt.date(date_of_birth.year + age, 3, 1)


def age_stage(date_of_birth: dt.date, day: dt.date) -> str:
    age = age_on(date_of_birth, day)
    if age < settings.PROXY_CHILD_FULL_UNTIL:
        return AgeStage.FULL
    if age < settings.PROXY_CHILD_ALONE_FROM:
        return AgeStage.LIMITED
    return AgeStage.ALONE


def view_of(access, now: dt.datetime, *, date_of_birth: dt.date | None = None) -> ProxyView:
    """What `access` allows at `now`. `date_of_birth` is the patient's (defaults to
    `access.patient.date_of_birth`); it matters only for parental access."""
    if access.status != ProxyStatus.ACTIVE or access.proxy_id is None:
        return NOTHING
    if not (access.starts_at <= now < access.ends_at):
        return NOTHING
    if access.review_on is not None and timezone.localdate(now) > access.review_on:
        return NOTHING
    areas = frozenset(a for a in access.areas if a in ProxyArea.values)
    categories = frozenset(access.record_categories) if access.record_categories else None
    include_sensitive = bool(access.include_sensitive)
    stage = None
    if access.authority == ProxyAuthority.PARENTAL:
        born = date_of_birth if date_of_birth is not None else access.patient.date_of_birth
        stage = age_stage(born, timezone.localdate(now))
        if stage == AgeStage.ALONE:
            return NOTHING
        if stage == AgeStage.LIMITED:
            areas = areas - {ProxyArea.SHARING}
            include_sensitive = False
    if ProxyArea.RECORD not in areas:
        categories = frozenset()
    return ProxyView(True, areas, categories, include_sensitive, stage)
