"""The one door to record content: load, authorise, and log the read.

Every view that shows record content is decorated with `@record_content_view`, which gives the
request a `Reader` (who reads, at which instant) and gets its data from `read_record` or
`read_entry` below. They decide what this reader may see of the patient *now* (the `Standing`:
for whom, on what basis), raise 404 for anything else so nothing is hinted at, and write exactly
one `AccessEvent` in the request's transaction; the decorator refuses to let a successful response
leave without that event. A test walks the URL conf to make sure every view that shows record
content is built this way.

The kinds of reader are the cases of `standing_of`: the patient themself, a physician with a
grant in force or an open emergency access, or a proxy (a carer, a parent, an attorney) with a
proxy access in force that lets them read the record. A new kind of reader is one new case there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from django.db import transaction
from django.db.models import TextChoices
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from accesslog.models import AccessAction, AccessBasis, AccessEvent, AccessTarget
from accesslog.notify import append_and_notify
from clinic.models import Role, User
from patients.models import Patient, RecordEntry
from proxies.models import ProxyAccess, ProxyArea
from proxies.rules import ProxyView, view_of
from proxies.selectors import proxy_standing_for

from . import selectors
from .models import AccessRequest, ConsentGrant, EmergencyAccess, OutreachTask, Scope

View = Callable[..., HttpResponse]


class MissingAccessEvent(RuntimeError):
    """A record-content view tried to answer without logging the read."""


@dataclass
class Reader:
    """Who is reading, at one instant for the whole request (every consent check and the event
    use the same clock), and the reads logged so far."""

    user: User
    now: dt.datetime
    events: list[AccessEvent] = field(default_factory=list)
    # The proxy access `proxies.acting.portal_area` loaded for this request, if the reader acts
    # for someone: `standing_of` decides on it again at `now`, without loading it twice.
    proxy_access: ProxyAccess | None = None

    @classmethod
    def for_request(cls, request: HttpRequest) -> Reader:
        return cls(
            user=request.user,
            now=timezone.now(),
            proxy_access=getattr(request, "proxy_access", None),
        )


def record_content_view(view: View) -> View:
    """Run the view in a transaction with `request.reader`, and require exactly one access event
    for a 200 response. Denied requests (404/403) roll back and leave no event.

    A view that returns a `TemplateResponse` is rendered here once the transaction has
    committed: the event is durable before any content leaves, and the write transaction (on
    SQLite, the database's write lock) is not held while the template renders."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with transaction.atomic():
            request.reader = Reader.for_request(request)
            response = view(request, *args, **kwargs)
            count = len(request.reader.events)
            if response.status_code == 200 and count != 1:
                raise MissingAccessEvent(f"{view.__name__} answered with {count} access events")
        if isinstance(response, TemplateResponse) and not response.is_rendered:
            response.render()
        return response

    wrapper.shows_record_content = True  # type: ignore[attr-defined]
    return wrapper


class ReaderKind(TextChoices):
    PATIENT = "patient", "The patient themself"
    CLINICIAN = "clinician", "A physician with consent or emergency access"
    PROXY = "proxy", "A carer, parent or attorney acting for the patient"


@dataclass
class Standing:
    """What one reader may read of one patient at this instant, and on what basis."""

    patient: Patient
    kind: ReaderKind
    grants: list[ConsentGrant]
    emergency: EmergencyAccess | None
    now: dt.datetime
    # A proxy's access and what it allows now (`proxies.rules.view_of`: the one decision).
    proxy_access: ProxyAccess | None = None
    proxy_view: ProxyView | None = None

    @property
    def main_basis(self) -> ConsentGrant | EmergencyAccess | None:
        """The basis shown for a page of several entries: the broadest grant, else emergency."""
        breadth = {Scope.RECORD: 0, Scope.CATEGORY: 1, Scope.ENTRY: 2}
        if self.grants:
            return min(self.grants, key=lambda grant: (breadth[grant.scope], grant.starts_at))
        return self.emergency

    def writable_categories(self) -> set[str] | None:
        """Categories this reader may add entries to; None means every category."""
        if self.kind != ReaderKind.CLINICIAN:
            return set()
        if self.emergency is not None or any(g.scope == Scope.RECORD for g in self.grants):
            return None
        return {g.category for g in self.grants if g.scope == Scope.CATEGORY}

    def event_basis(self, basis: ConsentGrant | EmergencyAccess | None = None) -> dict:
        """The basis fields of an access event for a read on this standing."""
        if self.kind == ReaderKind.PATIENT:
            return {"basis": AccessBasis.SELF, "purpose": "your own access"}
        if self.kind == ReaderKind.PROXY:
            relationship = self.proxy_access.get_relationship_display()
            return {
                "basis": AccessBasis.PROXY,
                "proxy_access": self.proxy_access,
                "actor_relationship": relationship,
                "purpose": f"as your {relationship}",
            }
        basis = basis if basis is not None else self.main_basis
        if isinstance(basis, ConsentGrant):
            return {"basis": AccessBasis.GRANT, "grant": basis, "purpose": basis.purpose_text}
        if isinstance(basis, EmergencyAccess):
            return {
                "basis": AccessBasis.EMERGENCY,
                "emergency": basis,
                "purpose": "emergency access",
            }
        raise Http404("No basis for this read.")

    def readable(self, reader: Reader, entries) -> list[tuple[RecordEntry, object]]:
        """(entry, basis) for each of this patient's `entries` the reader may read now."""
        if self.kind == ReaderKind.PATIENT:
            return [(entry, None) for entry in entries]
        if self.kind == ReaderKind.PROXY:
            return [
                (entry, self.proxy_access) for entry in within_proxy_view(entries, self.proxy_view)
            ]
        return selectors.readable_entries(
            reader.user, entries, self.grants, self.emergency, patient_id=self.patient.pk
        )

    def entry_with_basis(self, reader: Reader, entry_id: int):
        """(entry, basis) for one of this patient's entries the reader may read now, else None.
        One query: the entry comes with whether the derived guardian row exists."""
        if self.kind == ReaderKind.PATIENT:
            entry = _entries(self.patient).filter(pk=entry_id).first()
            return None if entry is None else (entry, AccessBasis.SELF)
        if self.kind == ReaderKind.PROXY:
            entry = (
                within_proxy_view(_entries(self.patient), self.proxy_view)
                .filter(pk=entry_id)
                .first()
            )
            return None if entry is None else (entry, self.proxy_access)
        if self.grants:
            entry = selectors.guarded_entry(
                reader.user, patient_id=self.patient.pk, entry_id=entry_id
            )
        else:
            entry = _entries(self.patient).filter(pk=entry_id).first()
        if entry is None:
            return None
        guarded = {entry.pk} if getattr(entry, "guarded", False) else set()
        basis = selectors.basis_for_entry(entry, self.grants, self.emergency, guarded=guarded)
        return None if basis is None else (entry, basis)


def within_proxy_view(entries, view: ProxyView):
    """The entries a proxy's view lets them read: its categories (None: all), and sensitive
    ones only when the patient named them (never for a parent of a 12-16 year old: the view
    already says so). Filtered in SQL."""
    if view.categories is not None:
        entries = entries.filter(category__in=sorted(view.categories))
    if not view.include_sensitive:
        entries = entries.filter(sensitive=False)
    return entries


def standing_of(reader: Reader, patient_id: int) -> Standing:
    """What `reader` may read of this patient now, or 404. One case per kind of reader.

    A physician's standing is one query when they hold a grant (the grants in force come with
    the patient and the id of any emergency access also open), one more only when they also
    hold an emergency access, and one query under emergency access alone."""
    user = reader.user
    if user.role == Role.PATIENT:
        own = user.patient
        if own.pk == patient_id:
            return Standing(own, ReaderKind.PATIENT, [], None, reader.now)
        # Another patient's record: only as their proxy, with an access in force that lets
        # them read it (no query when `portal_area` already loaded it, else one).
        found = _proxy_standing(reader, patient_id)
        if found is None or not found[1].allows(ProxyArea.RECORD):
            raise Http404("No such patient.")
        access, view = found
        return Standing(
            access.patient,
            ReaderKind.PROXY,
            [],
            None,
            reader.now,
            proxy_access=access,
            proxy_view=view,
        )
    if user.role == Role.PHYSICIAN:
        grants = selectors.grants_in_force_for(user, patient_id, now=reader.now)
        if grants:
            emergency = None
            if grants[0].open_emergency_id is not None:
                emergency = selectors.emergency_access_open_for(user, patient_id, now=reader.now)
            patient = grants[0].patient
            for grant in grants:
                grant.patient = patient
            return Standing(patient, ReaderKind.CLINICIAN, grants, emergency, reader.now)
        emergency = selectors.emergency_access_open_for(
            user, patient_id, now=reader.now, with_patient=True
        )
        if emergency is not None:
            return Standing(emergency.patient, ReaderKind.CLINICIAN, [], emergency, reader.now)
    # Front desk, privacy officers and admins never read clinical content.
    raise Http404("No such patient.")


def _proxy_standing(reader: Reader, patient_id: int) -> tuple[ProxyAccess, ProxyView] | None:
    """The reader's proxy access to this patient and what it allows at the reader's instant:
    the one already loaded for the request when it is this patient's, else one query."""
    access = reader.proxy_access
    if access is not None and access.patient_id == patient_id:
        view = view_of(access, reader.now)
        return (access, view) if view.in_force else None
    return proxy_standing_for(reader.user, patient_id, reader.now)


def _log(reader: Reader, standing: Standing, basis=None, **fields) -> AccessEvent:
    event = append_and_notify(
        patient=standing.patient,
        actor=reader.user,
        occurred_at=reader.now,
        **standing.event_basis(basis),
        **fields,
    )
    reader.events.append(event)
    return event


def _entries(patient: Patient):
    return RecordEntry.objects.filter(patient=patient).select_related(*selectors.ENTRY_RELATED)


def read_record(
    reader: Reader, patient_id: int, *, category: str = ""
) -> tuple[Standing, list[RecordEntry]]:
    """The entries of a patient's record (or one category of it) this reader may read now,
    newest first; logged as one read of the record (or category)."""
    standing = standing_of(reader, patient_id)
    entries = _entries(standing.patient)
    if category:
        entries = entries.filter(category=category)
    readable = standing.readable(reader, entries.newest_first())
    _log(
        reader,
        standing,
        action=AccessAction.VIEW,
        target=AccessTarget.CATEGORY if category else AccessTarget.RECORD,
        category=category,
    )
    return standing, [entry for entry, _basis in readable]


def read_entry(
    reader: Reader, patient_id: int, entry_id: int, *, action: str = AccessAction.VIEW
) -> tuple[Standing, RecordEntry]:
    """One entry (or its document, with `action=DOWNLOAD`) this reader may read now, or 404."""
    standing = standing_of(reader, patient_id)
    found = standing.entry_with_basis(reader, entry_id)
    if found is None:
        raise Http404("No such entry.")
    entry, basis = found
    _log(
        reader,
        standing,
        basis if standing.kind == ReaderKind.CLINICIAN else None,
        action=action,
        target=AccessTarget.DOCUMENT if action == AccessAction.DOWNLOAD else AccessTarget.ENTRY,
        entry=entry,
        category=entry.category,
    )
    return standing, entry


def read_export(reader: Reader, patient_id: int, *, action: str = AccessAction.EXPORT) -> Standing:
    """The whole record, to take away (the FHIR download, or the printable summary with
    `action=VIEW`): only the patient themself, never anyone reading on a grant or an emergency
    access, nor a proxy. Logged as one read of the full record export."""
    standing = standing_of(reader, patient_id)
    if standing.kind != ReaderKind.PATIENT:
        raise Http404("No such export.")
    _log(reader, standing, action=action, target=AccessTarget.EXPORT)
    return standing


# --- consent's own objects, named by id in URLs: load and authorise, 404 for outsiders ---------


def _portal_patient_id(user: User, patient: Patient | None) -> int | None:
    """Whose portal the objects come from: `patient`, the one the page shows (the signed-in
    patient's own, or someone they act for, as `proxies.acting.portal_area` decided), else the
    signed-in patient's own."""
    if user.role != Role.PATIENT:
        return None
    return patient.pk if patient is not None else user.patient.pk


def get_grant_for(user: User, grant_id: int, *, patient: Patient | None = None) -> ConsentGrant:
    """One of the grants of the portal's patient (see `_portal_patient_id`)."""
    grant = (
        ConsentGrant.objects.with_people()
        .filter(patient_id=_portal_patient_id(user, patient), pk=grant_id)
        .first()
    )
    if grant is None:
        raise Http404("No such sharing.")
    return grant


def get_access_request_for(
    user: User, request_id: int, *, patient: Patient | None = None
) -> AccessRequest:
    """A request to see the portal's patient's record, for them (or their proxy) to answer."""
    access_request = (
        AccessRequest.objects.select_related("physician__staff_profile", "patient")
        .filter(patient_id=_portal_patient_id(user, patient), pk=request_id)
        .first()
    )
    if access_request is None:
        raise Http404("No such request.")
    return access_request


def get_emergency_access_for(user: User, access_id: int) -> EmergencyAccess:
    """An emergency access: for a privacy officer, any (to review: they see who, when and why,
    never the content that was read); for a patient, one to their own record."""
    accesses = EmergencyAccess.objects.select_related("patient", "physician__staff_profile")
    if user.role == Role.PRIVACY_OFFICER:
        access = accesses.filter(pk=access_id).first()
    elif user.role == Role.PATIENT:
        access = accesses.filter(pk=access_id, patient_id=user.patient.pk).first()
    else:
        access = None
    if access is None:
        raise Http404("No such emergency access.")
    return access


def get_outreach_task_for(user: User, task_id: int) -> OutreachTask:
    """A patient to tell by letter or phone, for a privacy officer."""
    task = None
    if user.role == Role.PRIVACY_OFFICER:
        task = OutreachTask.objects.select_related("patient").filter(pk=task_id).first()
    if task is None:
        raise Http404("No such task.")
    return task
