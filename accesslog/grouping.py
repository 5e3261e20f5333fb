"""Consecutive looks by the same reader, acting the same way, shown as one row of the access log
("Dr A. Rivera looked 5 times, 3 Dec 2026, 10:02–10:15") that opens to list each look.

Grouped in Python over the rows of one page, in the order shown: no query of its own. A group
may reach past either end of the page; the page's neighbouring rows (which the keyset paging
reads anyway) say whether it does, so the page can say "continues on the next page".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from .models import AccessBasis, AccessEvent

# What makes two looks "the same reader acting the same way": the same person under the same
# name and role, for themselves or as the same proxy, on the same basis (an emergency never
# joins looks under consent) through the same grant or emergency access, for the same purpose.
GROUP_FIELDS = (
    "actor_id",
    "actor_name",
    "actor_role",
    "actor_relationship",
    "proxy_access_id",
    "basis",
    "grant_id",
    "emergency_id",
    "purpose",
)

GroupKey = tuple[Any, ...]


def group_key(event: AccessEvent) -> GroupKey:
    return tuple(getattr(event, name) for name in GROUP_FIELDS)


@dataclass
class LookGroup:
    """Looks of one page, newest first, that read as one row."""

    events: list[AccessEvent] = field(default_factory=list)
    continues_newer: bool = False  # the same reader's looks go on on the page of newer looks
    continues_older: bool = False  # ... and on the page of older looks

    @property
    def first(self) -> AccessEvent:
        """The newest look: it names the reader, the purpose and the basis for the row."""
        return self.events[0]

    @property
    def oldest(self) -> AccessEvent:
        return self.events[-1]

    @property
    def count(self) -> int:
        return len(self.events)

    @property
    def is_group(self) -> bool:
        return len(self.events) > 1

    @property
    def is_emergency(self) -> bool:
        return self.first.basis == AccessBasis.EMERGENCY

    @property
    def open_concerns(self) -> int:
        """Looks in the group with a concern still open (marked by `feedback`)."""
        return sum(1 for event in self.events if (getattr(event, "mark", None) or {}).get("open"))

    @property
    def first_open_concern(self) -> dict | None:
        for event in self.events:
            mark = getattr(event, "mark", None) or {}
            if mark.get("open"):
                return mark
        return None

    @property
    def same_day(self) -> bool:
        return (
            timezone.localtime(self.oldest.occurred_at).date()
            == timezone.localtime(self.first.occurred_at).date()
        )

    @property
    def same_minute(self) -> bool:
        return self.oldest.occurred_at.replace(second=0, microsecond=0) == (
            self.first.occurred_at.replace(second=0, microsecond=0)
        )


def group_looks(
    events: list[AccessEvent],
    *,
    newer_neighbour: GroupKey | None = None,
    older_neighbour: GroupKey | None = None,
) -> list[LookGroup]:
    """The page's events (newest first) as groups of consecutive looks with the same key.
    `newer_neighbour`/`older_neighbour`: the key of the look just before/after this page (None:
    there is none), to tell whether the first/last group continues on another page."""
    groups: list[LookGroup] = []
    previous: GroupKey | None = None
    for event in events:
        key = group_key(event)
        if groups and key == previous:
            groups[-1].events.append(event)
        else:
            groups.append(LookGroup(events=[event]))
        previous = key
    if groups:
        if newer_neighbour is not None and newer_neighbour == group_key(groups[0].first):
            groups[0].continues_newer = True
        if older_neighbour is not None and older_neighbour == group_key(groups[-1].oldest):
            groups[-1].continues_older = True
    return groups
