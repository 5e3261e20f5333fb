"""Concerns: raising, working through the states, the thread, and the overdue alerts.

Every step is checked against the state machine (`models.NEXT_STATUSES`) and written to the
concern's append-only history with who and when. Notifications name no health data: never the
concern's words, only that there is news and where to read it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessEvent
from clinic.clock import add_business_days
from clinic.models import Role, User
from notifications.models import NotificationKind
from notifications.services import notify
from patients.models import Patient
from proxies.models import ProxyAccess

from .models import (
    NEXT_STATUSES,
    Channel,
    Deadline,
    Grievance,
    GrievanceEntry,
    GrievanceEntryKind,
    GrievanceStatus,
)

TEXT_MAX = 5000


def _privacy_officers():
    return User.objects.filter(staff_profile__role=Role.PRIVACY_OFFICER, is_active=True)


def _tell_officers(*, kind: str, message: str, grievance: Grievance) -> None:
    link = reverse("staff:grievance", args=[grievance.pk])
    for officer in _privacy_officers():
        notify(recipient=officer, kind=kind, message=message, link=link)


def _tell_patient(grievance: Grievance, message: str) -> None:
    """The patient hears of every step and message, if they have a portal account."""
    if grievance.patient.user_id is None:
        return
    notify(
        recipient_id=grievance.patient.user_id,
        kind=NotificationKind.CONCERN_UPDATED,
        message=message,
        link=reverse("portal:concern", args=[grievance.pk]),
    )


def _day(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%-d %b}"


def _clean_text(text: str, *, field: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: f"Write {what}."})
    if len(text) > TEXT_MAX:
        raise ValidationError({field: f"Keep {what} under {TEXT_MAX} characters."})
    return text


def _locked(grievance: Grievance) -> Grievance:
    return (
        Grievance.objects.select_for_update(of=("self",))
        .select_related("patient")
        .get(pk=grievance.pk)
    )


def _move(grievance: Grievance, to: str) -> None:
    """Refuse any step the state machine does not allow (skipped, backward, after closing)."""
    if to not in NEXT_STATUSES[grievance.status]:
        label = GrievanceStatus(to).label.lower()
        raise ValidationError(
            f"This concern is {grievance.get_status_display().lower()}: it cannot be marked "
            f"“{label}” now."
        )
    grievance.status = to


@transaction.atomic
def raise_grievance(
    *,
    patient: Patient,
    description: str,
    access_event: AccessEvent | None = None,
    channel: str = Channel.PORTAL,
    recorded_by: User | None = None,
    raised_under: ProxyAccess | None = None,
) -> Grievance:
    """A new concern: from the patient in the portal (or someone acting for them, under the proxy
    access `raised_under`: the concern names them), or received by phone or letter and recorded
    by a privacy officer (`recorded_by`)."""
    if raised_under is not None and (
        raised_under.patient_id != patient.pk or channel != Channel.PORTAL
    ):
        raise ValidationError("You cannot raise a concern for this patient.")
    if access_event is not None and access_event.patient_id != patient.pk:
        raise ValidationError("That look is not in this patient's access log.")
    if channel not in Channel.values:
        raise ValidationError({"channel": "Choose how the concern reached us."})
    if (channel == Channel.PORTAL) != (recorded_by is None):
        raise ValidationError("Only a concern received by phone or letter is recorded by staff.")
    if recorded_by is not None and recorded_by.role != Role.PRIVACY_OFFICER:
        raise ValidationError("Only a privacy officer records a concern for a patient.")
    description = _clean_text(description, field="description", what="the concern")
    now = timezone.now()
    grievance = Grievance(
        patient=patient,
        access_event=access_event,
        description=description,
        channel=channel,
        recorded_by=recorded_by,
        raised_under=raised_under,
        created_at=now,
        acknowledge_by=add_business_days(now, settings.GRIEVANCE_ACKNOWLEDGE_DAYS),
        respond_by=add_business_days(now, settings.GRIEVANCE_RESPONSE_DAYS),
        resolve_by=add_business_days(now, settings.GRIEVANCE_RESOLVE_DAYS),
    )
    grievance.full_clean()
    grievance.save()
    GrievanceEntry.objects.create(
        grievance=grievance,
        kind=GrievanceEntryKind.RECEIVED,
        author=recorded_by or (raised_under.proxy.user if raised_under else patient.user),
        by_patient=recorded_by is None,
        proxy_access=raised_under,
        text=f"Received {Channel(channel).label.lower()}.",
        at=now,
    )
    about = "a look at their record" if access_event else "their care or the portal"
    _tell_officers(
        kind=NotificationKind.CONCERN_RAISED,
        message=f"A patient raised a concern about {about} on {_day(now)}. "
        f"Please acknowledge it by {_day(grievance.acknowledge_by)}.",
        grievance=grievance,
    )
    if recorded_by is not None:
        _tell_patient(
            grievance,
            f"We recorded the concern you raised {Channel(channel).label.lower()} on "
            f"{_day(now)}. You can follow it and write to us in the portal.",
        )
    return grievance


@transaction.atomic
def acknowledge_grievance(*, grievance: Grievance, officer: User, note: str = "") -> Grievance:
    grievance = _locked(grievance)
    _move(grievance, GrievanceStatus.ACKNOWLEDGED)
    now = timezone.now()
    grievance.acknowledged_at = now
    grievance.save(update_fields=["status", "acknowledged_at"])
    GrievanceEntry.objects.create(
        grievance=grievance,
        kind=GrievanceEntryKind.ACKNOWLEDGED,
        author=officer,
        text=(note or "").strip()[:TEXT_MAX],
        at=now,
    )
    _tell_patient(
        grievance,
        f"{officer.display_name} acknowledged your concern on {_day(now)}. "
        f"You will have a written answer by {_day(grievance.answer_due)}.",
    )
    return grievance


@transaction.atomic
def start_investigation(*, grievance: Grievance, officer: User) -> Grievance:
    grievance = _locked(grievance)
    _move(grievance, GrievanceStatus.INVESTIGATING)
    now = timezone.now()
    grievance.save(update_fields=["status"])
    GrievanceEntry.objects.create(
        grievance=grievance, kind=GrievanceEntryKind.INVESTIGATING, author=officer, at=now
    )
    _tell_patient(grievance, f"{officer.display_name} started looking into your concern.")
    return grievance


@transaction.atomic
def send_extension_notice(
    *, grievance: Grievance, officer: User, reason: str, answer_by: dt.date
) -> Grievance:
    """A written notice that the answer will take longer: why, and by when (no later than the
    resolution deadline). Sent once, while the concern is acknowledged or being investigated."""
    grievance = _locked(grievance)
    if grievance.status not in (GrievanceStatus.ACKNOWLEDGED, GrievanceStatus.INVESTIGATING):
        raise ValidationError("Acknowledge the concern before sending an extension notice.")
    if grievance.extended_to is not None:
        raise ValidationError("An extension notice was already sent for this concern.")
    reason = _clean_text(reason, field="reason", what="why the answer needs more time")
    now = timezone.now()
    today = timezone.localtime(now).date()
    last = timezone.localtime(grievance.resolve_by).date()
    if not today < answer_by <= last:
        raise ValidationError(
            {"answer_by": f"Choose a date after today and no later than {last:%-d %B %Y}."}
        )
    grievance.extended_at = now
    grievance.extended_to = min(
        timezone.make_aware(dt.datetime.combine(answer_by, dt.time.max)), grievance.resolve_by
    )
    grievance.extension_reason = reason
    grievance.save(update_fields=["extended_at", "extended_to", "extension_reason"])
    GrievanceEntry.objects.create(
        grievance=grievance,
        kind=GrievanceEntryKind.EXTENDED,
        author=officer,
        text=f"{reason}\n\nWe will answer by {answer_by:%-d %B %Y}.",
        at=now,
    )
    _tell_patient(
        grievance,
        f"We need more time to answer your concern. {officer.display_name} wrote to you why; "
        f"you will have our answer by {answer_by:%-d %b}.",
    )
    return grievance


@transaction.atomic
def resolve_grievance(
    *,
    grievance: Grievance,
    officer: User,
    contact_person: str,
    investigation_steps: str,
    results: str,
    completed_on: dt.date | None,
) -> Grievance:
    """Close a concern with the four elements of a grievance decision: a named contact person,
    the steps taken to investigate, the results, and the date of completion."""
    grievance = _locked(grievance)
    _move(grievance, GrievanceStatus.RESOLVED)
    errors: dict[str, str] = {}
    contact_person = (contact_person or "").strip()
    if not contact_person or len(contact_person) > 200:
        errors["contact_person"] = "Name the person the patient can contact about this decision."
    steps = (investigation_steps or "").strip()
    if not steps or len(steps) > TEXT_MAX:
        errors["investigation_steps"] = "Describe the steps taken to investigate."
    results = (results or "").strip()
    if not results or len(results) > TEXT_MAX:
        errors["results"] = "Describe the results of the investigation."
    now = timezone.now()
    if completed_on is None:
        errors["completed_on"] = "Give the date the investigation was completed."
    elif not (
        timezone.localtime(grievance.created_at).date()
        <= completed_on
        <= timezone.localtime(now).date()
    ):
        errors["completed_on"] = "The date of completion is between the day we received the "
        "concern and today."
    if errors:
        raise ValidationError(errors)
    grievance.resolved_at = now
    grievance.contact_person = contact_person
    grievance.investigation_steps = steps
    grievance.results = results
    grievance.completed_on = completed_on
    grievance.save(
        update_fields=[
            "status",
            "resolved_at",
            "contact_person",
            "investigation_steps",
            "results",
            "completed_on",
        ]
    )
    GrievanceEntry.objects.create(
        grievance=grievance, kind=GrievanceEntryKind.RESOLVED, author=officer, at=now
    )
    _tell_patient(
        grievance,
        f"{officer.display_name} sent you the written answer to your concern on {_day(now)}.",
    )
    return grievance


@transaction.atomic
def withdraw_grievance(
    *,
    grievance: Grievance,
    patient: Patient,
    reason: str = "",
    withdrawn_under: ProxyAccess | None = None,
) -> Grievance:
    """The patient withdraws their own open concern (or someone acting for them, under the
    proxy access `withdrawn_under`: the history names them)."""
    grievance = _locked(grievance)
    if grievance.patient_id != patient.pk or (
        withdrawn_under is not None and withdrawn_under.patient_id != patient.pk
    ):
        raise ValidationError("This is not your concern.")
    _move(grievance, GrievanceStatus.WITHDRAWN)
    now = timezone.now()
    grievance.withdrawn_at = now
    grievance.save(update_fields=["status", "withdrawn_at"])
    GrievanceEntry.objects.create(
        grievance=grievance,
        kind=GrievanceEntryKind.WITHDRAWN,
        author=withdrawn_under.proxy.user if withdrawn_under else patient.user,
        by_patient=True,
        proxy_access=withdrawn_under,
        text=(reason or "").strip()[:TEXT_MAX],
        at=now,
    )
    _tell_officers(
        kind=NotificationKind.CONCERN_REPLY,
        message=f"A patient withdrew a concern on {_day(now)}.",
        grievance=grievance,
    )
    return grievance


@transaction.atomic
def add_message(
    *,
    grievance: Grievance,
    author: User,
    text: str,
    acting_under: ProxyAccess | None = None,
) -> GrievanceEntry:
    """A message in the concern's thread, from the patient (or someone acting for them, under
    the proxy access `acting_under`) or a privacy officer; the other side is notified (without
    the message's words). Closed concerns take no more messages."""
    grievance = _locked(grievance)
    by_patient = grievance.patient.user_id == author.pk or (
        acting_under is not None
        and acting_under.patient_id == grievance.patient_id
        and acting_under.proxy is not None
        and acting_under.proxy.user_id == author.pk
    )
    if not by_patient and author.role != Role.PRIVACY_OFFICER:
        raise ValidationError("Only the patient and the privacy officers write here.")
    if not grievance.is_open:
        raise ValidationError(
            "This concern is closed. To raise something new, start a new concern."
        )
    text = _clean_text(text, field="text", what="your message")
    now = timezone.now()
    entry = GrievanceEntry.objects.create(
        grievance=grievance,
        kind=GrievanceEntryKind.MESSAGE,
        author=author,
        by_patient=by_patient,
        proxy_access=acting_under if by_patient else None,
        text=text,
        at=now,
    )
    if by_patient:
        _tell_officers(
            kind=NotificationKind.CONCERN_REPLY,
            message=f"A patient wrote about their concern on {_day(now)}.",
            grievance=grievance,
        )
    else:
        _tell_patient(
            grievance, f"{author.display_name} wrote to you about your concern on {_day(now)}."
        )
    return entry


def alert_overdue_grievances(now: dt.datetime | None = None) -> int:
    """Tell every privacy officer about each concern that has just missed a deadline; each
    deadline is alerted once. Returns how many concerns were alerted."""
    now = now or timezone.now()
    alerted = 0
    for pk in Grievance.objects.overdue(now).values_list("pk", flat=True):
        with transaction.atomic():
            grievance = _locked(Grievance(pk=pk))
            missed = grievance.overdue_deadlines(now)
            if not missed or grievance.overdue_alerted_for == missed[-1]:
                continue
            grievance.overdue_alerted_for = missed[-1]
            grievance.save(update_fields=["overdue_alerted_for"])
            labels = ", ".join(Deadline(deadline).label.lower() for deadline in missed)
            _tell_officers(
                kind=NotificationKind.CONCERN_OVERDUE,
                message=f"A concern received on {_day(grievance.created_at)} is overdue "
                f"({labels}).",
                grievance=grievance,
            )
            alerted += 1
    return alerted
