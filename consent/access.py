"""The one way views read record content: load, authorise, and log the read.

Every view that shows record content is decorated with `@record_content_view` and gets its data
from the `read_*` helpers below. The helpers apply consent (404 for anything the viewer may not
read, so nothing is hinted at), and write exactly one `AccessEvent` in the request's transaction;
the decorator refuses to let a successful response leave without that event. A test walks the URL
conf to make sure every view that shows record content is built this way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from clinic.models import Role
from patients.models import Patient, RecordEntry

from . import selectors
from .audit import append_event
from .models import (
    AccessAction,
    AccessBasis,
    AccessEvent,
    AccessTarget,
    ConsentGrant,
    EmergencyAccess,
    Scope,
)

View = Callable[..., HttpResponse]


class MissingAccessEvent(RuntimeError):
    """A record-content view tried to answer without logging the read."""


def record_content_view(view: View) -> View:
    """Run the view in a transaction and require exactly one access event for a 200 response.
    Denied requests (404/403) roll back and leave no event."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with transaction.atomic():
            request.access_events = []
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and len(request.access_events) != 1:
                raise MissingAccessEvent(
                    f"{view.__name__} answered with {len(request.access_events)} access events"
                )
        return response

    wrapper.shows_record_content = True  # type: ignore[attr-defined]
    return wrapper


def _log(request: HttpRequest, **fields) -> AccessEvent:
    if not hasattr(request, "access_events"):
        raise MissingAccessEvent("record content read outside a @record_content_view")
    event = append_event(actor=request.user, occurred_at=request.read_at, **fields)
    request.access_events.append(event)
    from .access_notifications import notify_patient_of_access

    notify_patient_of_access(event)
    return event


def _now(request: HttpRequest) -> dt.datetime:
    """One clock per request: every consent check and the event use the same instant."""
    if not hasattr(request, "read_at"):
        request.read_at = timezone.now()
    return request.read_at


# --- the patient's own record -------------------------------------------------------------------


def read_own_record(request: HttpRequest, *, category: str = "") -> list[RecordEntry]:
    patient: Patient = request.patient
    _now(request)
    entries = RecordEntry.objects.filter(patient=patient).select_related("author__staff_profile")
    if category:
        entries = entries.filter(category=category)
    _log(
        request,
        patient=patient,
        action=AccessAction.VIEW,
        target=AccessTarget.CATEGORY if category else AccessTarget.RECORD,
        category=category,
        basis=AccessBasis.SELF,
        purpose="your own access",
    )
    return list(entries.newest_first())


def read_own_entry(
    request: HttpRequest, entry_id: int, *, action: str = AccessAction.VIEW
) -> RecordEntry:
    patient: Patient = request.patient
    _now(request)
    entry = (
        RecordEntry.objects.filter(patient=patient, pk=entry_id)
        .select_related("author__staff_profile")
        .first()
    )
    if entry is None:
        raise Http404("No such entry in your record.")
    _log(
        request,
        patient=patient,
        action=action,
        target=AccessTarget.DOCUMENT if action == AccessAction.DOWNLOAD else AccessTarget.ENTRY,
        entry=entry,
        category=entry.category,
        basis=AccessBasis.SELF,
        purpose="your own access",
    )
    return entry


# --- staff reading a patient's record -----------------------------------------------------------


@dataclass
class StaffAccess:
    """What a staff member may read of one patient at this instant, and on what basis."""

    patient: Patient
    grants: list[ConsentGrant]
    emergency: EmergencyAccess | None
    now: dt.datetime

    @property
    def main_basis(self) -> ConsentGrant | EmergencyAccess | None:
        """The basis shown for a page of several entries: the broadest grant, else emergency."""
        breadth = {Scope.RECORD: 0, Scope.CATEGORY: 1, Scope.ENTRY: 2}
        if self.grants:
            return min(self.grants, key=lambda grant: (breadth[grant.scope], grant.starts_at))
        return self.emergency

    def writable_categories(self) -> set[str] | None:
        """Categories this viewer may add entries to; None means every category."""
        if self.emergency is not None or any(g.scope == Scope.RECORD for g in self.grants):
            return None
        return {g.category for g in self.grants if g.scope == Scope.CATEGORY}


def staff_access(request: HttpRequest, patient_id: int) -> StaffAccess:
    """Load a patient the signed-in staff member may read now, or 404."""
    now = _now(request)
    user = request.user
    if user.role != Role.PHYSICIAN:
        # Front desk, privacy officers and admins never read clinical content.
        raise Http404("No such patient.")
    grants = selectors.grants_in_force_for(user, patient_id, now=now)
    emergency = selectors.open_emergency_access(user, patient_id, now=now)
    if not grants and emergency is None:
        raise Http404("No such patient.")
    patient = (
        Patient.objects.select_related(
            "site", "primary_physician__staff_profile", "access_alert_preference"
        )
        .filter(pk=patient_id)
        .first()
    )
    if patient is None:
        raise Http404("No such patient.")
    return StaffAccess(patient=patient, grants=grants, emergency=emergency, now=now)


def _basis_fields(basis) -> dict:
    if isinstance(basis, ConsentGrant):
        return {"basis": AccessBasis.GRANT, "grant": basis, "purpose": basis.purpose_text}
    if isinstance(basis, EmergencyAccess):
        return {"basis": AccessBasis.EMERGENCY, "emergency": basis, "purpose": "emergency access"}
    raise Http404("No basis for this read.")


def read_patient_record(
    request: HttpRequest, patient_id: int, *, category: str = ""
) -> tuple[StaffAccess, list[RecordEntry]]:
    access = staff_access(request, patient_id)
    entries = RecordEntry.objects.filter(patient=access.patient).select_related(
        "author__staff_profile"
    )
    if category:
        entries = entries.filter(category=category)
    readable = selectors.readable_entries(
        request.user,
        entries.newest_first(),
        access.grants,
        access.emergency,
        patient_id=access.patient.pk,
    )
    _log(
        request,
        patient=access.patient,
        action=AccessAction.VIEW,
        target=AccessTarget.CATEGORY if category else AccessTarget.RECORD,
        category=category,
        **_basis_fields(access.main_basis),
    )
    return access, [entry for entry, _basis in readable]


def read_patient_entry(
    request: HttpRequest, patient_id: int, entry_id: int, *, action: str = AccessAction.VIEW
) -> tuple[StaffAccess, RecordEntry]:
    access = staff_access(request, patient_id)
    entry = (
        RecordEntry.objects.filter(patient=access.patient, pk=entry_id)
        .select_related("author__staff_profile")
        .first()
    )
    guarded = (
        selectors.guarded_entry_ids(request.user, patient_id=access.patient.pk, entry_id=entry_id)
        if entry is not None and access.grants
        else set()
    )
    basis = (
        selectors.basis_for_entry(entry, access.grants, access.emergency, guarded=guarded)
        if entry is not None
        else None
    )
    if basis is None:
        raise Http404("No such entry.")
    _log(
        request,
        patient=access.patient,
        action=action,
        target=AccessTarget.DOCUMENT if action == AccessAction.DOWNLOAD else AccessTarget.ENTRY,
        entry=entry,
        category=entry.category,
        **_basis_fields(basis),
    )
    return access, entry
