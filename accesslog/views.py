"""The patient's access log: who looked, when, why and on what basis; filters, CSV, and whether
the log verifies. Its cost does not grow with the patient's history: keyset pages by sequence,
the count from the chain head, the people from `AccessReader`, verification from the stored
mark (`accesslog.verified`), and the CSV streamed. Consecutive looks by one reader are grouped
into one row in Python over the page's rows (`accesslog.grouping`); the CSV and the proof bundle
stay one row per look."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django import forms
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinic.extensions import collect
from clinic.forms import DateField, start_of_day
from patients.models import ChecklistItem, RecordCategory
from patients.services import note_portal_step
from proxies.acting import portal_area
from proxies.models import ProxyArea

from .grouping import GROUP_FIELDS, GroupKey, group_key, group_looks
from .keys import pseudonym
from .models import (
    AccessAction,
    AccessBasis,
    AccessChainHead,
    AccessEvent,
    AccessReader,
    AccessTarget,
    actor_label,
)
from .verified import log_status


class AccessLogFilterForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Person"), coerce=int, required=False, empty_value=None)
    date_from = DateField(label=_("From"), required=False)
    date_to = DateField(label=_("To"), required=False)
    own = forms.BooleanField(label=_("Show your own looks"), required=False)

    def __init__(self, *args, people: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("Everyone")), *people]

    def clean(self) -> dict:
        cleaned = super().clean()
        if (
            cleaned.get("date_from")
            and cleaned.get("date_to")
            and cleaned["date_to"] < cleaned["date_from"]
        ):
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return cleaned


PAGE_SIZE = 25
CSV_BATCH = 1000
CSV_COLUMNS = [
    "sequence",
    "when",
    "who",
    "role",
    "action",
    "what",
    "category",
    "purpose",
    "basis",
    "hash",
]


def _sequence_param(value: str | None) -> int | None:
    """A page boundary from the query string, or None for anything that is not one."""
    if value is None or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def _filtered(form: AccessLogFilterForm, events, user_id: int) -> tuple:
    """The events the filters ask for, whether a filter narrows them, and whether the patient's
    own looks are left out (they are unless asked for, or unless the patient picks themselves)."""
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("person"):
        events = events.filter(actor_id=data["person"])
    own_hidden = not data.get("own") and data.get("person") != user_id
    if own_hidden:
        events = events.exclude(actor_id=user_id)
    if data.get("date_from"):
        events = events.filter(occurred_at__gte=start_of_day(data["date_from"]))
    if data.get("date_to"):
        events = events.filter(occurred_at__lt=start_of_day(data["date_to"] + dt.timedelta(days=1)))
    return events, any(data.get(name) for name in ("person", "date_from", "date_to")), own_hidden


def _query(request: HttpRequest, **boundary: int) -> str:
    """The current filters plus one page boundary, as a query string."""
    params = request.GET.copy()
    for name in ("page", "before", "after", "format"):
        params.pop(name, None)
    for name, value in boundary.items():
        params[name] = str(value)
    return params.urlencode()


def _neighbour(events) -> GroupKey | None:
    """The grouping key of the first of `events` (a look just beyond the page), or None."""
    row = events.values_list(*GROUP_FIELDS).first()
    return tuple(row) if row is not None else None


def _page(request: HttpRequest, events) -> dict:
    """One page of events, newest first, by sequence (keyset): no OFFSET, no COUNT. The looks
    just beyond either end (read in place of an `exists()`, or as the page's extra row) tell
    whether the page's first or last group of looks continues on another page."""
    events = events.order_by()
    after = _sequence_param(request.GET.get("after"))
    before = None if after is not None else _sequence_param(request.GET.get("before"))
    rows: list[AccessEvent] = []
    newer_neighbour = older_neighbour = None
    if after is not None:
        rows = list(
            events.with_people().filter(sequence__gt=after).order_by("sequence")[: PAGE_SIZE + 1]
        )
        if len(rows) <= PAGE_SIZE:  # nothing newer beyond this page: show the newest page
            after, rows = None, []
        else:
            newer_neighbour = group_key(rows[PAGE_SIZE])
            rows = rows[:PAGE_SIZE][::-1]
            older_neighbour = _neighbour(events.filter(sequence__lte=after).order_by("-sequence"))
            has_newer, has_older = True, older_neighbour is not None
    if after is None:
        newest = events.with_people().order_by("-sequence")
        if before is not None:
            newest = newest.filter(sequence__lt=before)
        rows = list(newest[: PAGE_SIZE + 1])
        has_older = len(rows) > PAGE_SIZE
        older_neighbour = group_key(rows[PAGE_SIZE]) if has_older else None
        rows = rows[:PAGE_SIZE]
        if before is not None:
            newer_neighbour = _neighbour(events.filter(sequence__gte=before).order_by("sequence"))
        has_newer = newer_neighbour is not None
    return {
        "events": rows,
        "groups": group_looks(
            rows, newer_neighbour=newer_neighbour, older_neighbour=older_neighbour
        ),
        "newest_query": _query(request) if has_newer else None,
        "newer_query": _query(request, after=rows[0].sequence) if has_newer and rows else None,
        "older_query": _query(request, before=rows[-1].sequence) if has_older else None,
    }


@portal_area(ProxyArea.ACCESS_LOG)
def access_log(request: HttpRequest) -> HttpResponse:
    note_portal_step(request, ChecklistItem.ACCESS_LOG)
    patient = request.patient
    # "Who looked" comes from the small readers table, the count from the head: neither grows
    # with the length of the chain.
    people = list(
        AccessReader.objects.filter(patient=patient)
        .order_by("actor_name", "actor_id")
        .values_list("actor_id", "actor_name")
    )
    form = AccessLogFilterForm(request.GET or None, people=people)
    # "Your own looks" are the patient's, also when a proxy reads this page for them.
    events, filtered, own_hidden = _filtered(
        form, AccessEvent.objects.for_patient(patient), patient.user_id
    )
    if request.GET.get("format") == "csv":
        return _csv(events, request.proxy_view)
    head = AccessChainHead.objects.filter(patient=patient).values_list("sequence", "hash").first()
    page = _page(request, events)
    _mark_events(patient, page["events"])
    for event in page["events"]:
        event.not_shared = not covers(
            request.proxy_view,
            event.category,
            bool(event.entry_id and event.entry.sensitive),
        )
    return render(
        request,
        "accesslog/portal_access_log.html",
        {
            "form": form,
            "filtered": filtered,
            "own_hidden": own_hidden,
            "total": head[0] if head else 0,
            "integrity": log_status(patient.pk, head),
            # The browser remembers what it saw verified under this name (static/js/log-memory.js).
            "log_pseudonym": pseudonym(patient.pk),
            "csv_query": _query(request, format="csv"),
            "proof_allowed": sees_whole_record(request.proxy_view),
            **page,
        },
    )


_CSV_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_name",
    "actor_relationship",
    "actor_role",
    "action",
    "target",
    "category",
    "purpose",
    "basis",
    "hash",
)
_ACTIONS = dict(AccessAction.choices)
_TARGETS = dict(AccessTarget.choices)
_CATEGORIES = dict(RecordCategory.choices)
_BASES = dict(AccessBasis.choices)


NOT_SHARED = "not shared with you"


def covers(view, category: str, sensitive: bool) -> bool:
    """Whether a proxy's view (`proxies.rules.ProxyView`; None: the patient themself) covers
    what an event names: someone acting for the patient sees who looked and when, but not which
    entry or category their own access does not cover (a category not shared, a sensitive
    entry not named)."""
    if view is None:
        return True
    if sensitive and not view.include_sensitive:
        return False
    return not category or view.categories is None or category in view.categories


def sees_whole_record(view) -> bool:
    """Whether a proxy's view (None: the patient themself) covers every entry."""
    return view is None or (view.categories is None and view.include_sensitive)


def _csv_lines(events, view=None):
    """The CSV, one chunk per batch of events: plain tuples, no model instances."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    fields = (*_CSV_FIELDS, "entry__sensitive") if view is not None else _CSV_FIELDS
    events = events.order_by("-sequence").values_list(*fields)
    before = None
    while True:
        batch = events if before is None else events.filter(sequence__lt=before)
        rows = list(batch[:CSV_BATCH])
        for row in rows:
            (
                sequence,
                at,
                name,
                relationship,
                role,
                action,
                target,
                category,
                purpose,
                basis,
                digest,
            ) = row[: len(_CSV_FIELDS)]
            if not covers(view, category, bool(row[len(_CSV_FIELDS) :] and row[-1])):
                category = NOT_SHARED
            writer.writerow(
                [
                    sequence,
                    timezone.localtime(at).isoformat(timespec="seconds"),
                    _csv_safe(actor_label(name, relationship)),
                    role,
                    _ACTIONS.get(action, action),
                    _TARGETS.get(target, target),
                    _CATEGORIES.get(category, category),
                    _csv_safe(purpose),
                    _BASES.get(basis, basis),
                    digest,
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(rows) < CSV_BATCH:
            return
        before = rows[-1][0]


def _mark_events(patient, events: list[AccessEvent]) -> None:
    """Let higher apps mark rows (e.g. "concern open", from feedback), one query per app."""
    marks: dict[int, dict] = {}
    for marks_for in collect("navigation", "access_event_marks"):
        marks.update(marks_for(patient, [event.pk for event in events]))
    for event in events:
        event.mark = marks.get(event.pk)


def _csv(events, view=None) -> StreamingHttpResponse:
    """Streamed a thousand events at a time (keyset by sequence): memory stays flat however long
    the log is."""
    response = StreamingHttpResponse(
        _csv_lines(events, view), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="access-log.csv"'
    return response


def _csv_safe(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: neutralise them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
