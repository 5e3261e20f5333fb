"""The patient's access log: who looked, when, why and on what basis; filters, CSV, and whether
the log verified just now."""

from __future__ import annotations

import csv
import datetime as dt

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clinic.decorators import patient_required
from clinic.extensions import collect
from clinic.forms import DateField, start_of_day
from patients.models import ChecklistItem
from patients.services import note_portal_step

from .integrity import verify_patient_log
from .models import AccessEvent


class AccessLogFilterForm(forms.Form):
    person = forms.TypedChoiceField(label="Person", coerce=int, required=False, empty_value=None)
    date_from = DateField(label="From", required=False)
    date_to = DateField(label="To", required=False)

    def __init__(self, *args, people: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Everyone"), *people]

    def clean(self) -> dict:
        cleaned = super().clean()
        if (
            cleaned.get("date_from")
            and cleaned.get("date_to")
            and cleaned["date_to"] < cleaned["date_from"]
        ):
            self.add_error("date_to", "The end date must be on or after the start date.")
        return cleaned


def _filtered_events(request: HttpRequest):
    patient = request.patient
    events = AccessEvent.objects.for_patient(patient)
    people = list(events.order_by("actor_name").values_list("actor_id", "actor_name").distinct())
    form = AccessLogFilterForm(request.GET or None, people=people)
    if form.is_valid():
        data = form.cleaned_data
        if data["person"]:
            events = events.filter(actor_id=data["person"])
        if data["date_from"]:
            events = events.filter(occurred_at__gte=start_of_day(data["date_from"]))
        if data["date_to"]:
            events = events.filter(
                occurred_at__lt=start_of_day(data["date_to"] + dt.timedelta(days=1))
            )
    return form, events.with_people().order_by("-sequence")


@patient_required
def access_log(request: HttpRequest) -> HttpResponse:
    note_portal_step(request, ChecklistItem.ACCESS_LOG)
    form, events = _filtered_events(request)
    if request.GET.get("format") == "csv":
        return _csv(request, events)
    page = Paginator(events, 25).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    _mark_events(request.patient, page.object_list)
    return render(
        request,
        "accesslog/portal_access_log.html",
        {"form": form, "page": page, "integrity": verify_patient_log(request.patient)},
    )


def _mark_events(patient, events: list[AccessEvent]) -> None:
    """Let higher apps mark rows (e.g. "concern open", from feedback), one query per app."""
    marks: dict[int, dict] = {}
    for marks_for in collect("navigation", "access_event_marks"):
        marks.update(marks_for(patient, [event.pk for event in events]))
    for event in events:
        event.mark = marks.get(event.pk)


def _csv(request: HttpRequest, events) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="access-log.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
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
    )
    for event in events.iterator(chunk_size=1000):
        writer.writerow(
            [
                event.sequence,
                timezone.localtime(event.occurred_at).isoformat(timespec="seconds"),
                _csv_safe(event.actor_name),
                event.actor_role,
                event.get_action_display(),
                event.get_target_display(),
                event.get_category_display() if event.category else "",
                _csv_safe(event.purpose),
                event.get_basis_display(),
                event.hash,
            ]
        )
    return response


def _csv_safe(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: neutralise them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
