"""Who may read what, right now. Every read of record content goes through these queries.

Default deny. A staff member reads an entry only while
- a consent grant in force (started, not expired, not revoked — compared in SQL with the time of
  *this* request) names them or a care team they belong to, covers the entry (whole record, its
  category or the entry itself; sensitive entries only when named or when the grant includes
  sensitive entries: `ConsentGrant.covers`), *and* the derived guardian permission row exists; or
- they hold an open emergency access to the patient.
The number of queries never depends on the data size.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from clinic.prepared import DATETIME, INT, PreparedQuery
from patients.models import Patient, RecordEntry

from .models import (
    ConsentGrant,
    EmergencyAccess,
    RecordEntryGroupObjectPermission,
    RecordEntryUserObjectPermission,
    Scope,
)

VIEW_ENTRY = "view_recordentry"


def _can_hold_access(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_clinic_staff)


def guarded_entry_ids(user, *, patient_id: int) -> set[int]:
    """Ids of this patient's entries on which `user` holds the derived guardian permission,
    directly or through a care team (one query)."""
    direct = RecordEntryUserObjectPermission.objects.filter(
        user=user, permission__codename=VIEW_ENTRY, content_object__patient_id=patient_id
    )
    via_team = RecordEntryGroupObjectPermission.objects.filter(
        group__user=user, permission__codename=VIEW_ENTRY, content_object__patient_id=patient_id
    )
    return set(
        direct.values_list("content_object_id", flat=True).union(
            via_team.values_list("content_object_id", flat=True)
        )
    )


def open_emergency(user, now: dt.datetime, patient_ref: str = "patient_id") -> QuerySet:
    return EmergencyAccess.objects.open(now).filter(
        physician=user, patient_id=OuterRef(patient_ref)
    )


def patients_visible_to(
    user, *, now: dt.datetime | None = None, patients: QuerySet[Patient] | None = None
) -> QuerySet[Patient]:
    """Patients whose record `user` may open now: a grant in force or an open emergency access."""
    patients = Patient.objects.all() if patients is None else patients
    if not _can_hold_access(user):
        return patients.none()
    now = now or timezone.now()
    granted = ConsentGrant.objects.in_force(now).for_grantee(user).filter(patient_id=OuterRef("pk"))
    return patients.filter(Exists(granted) | Exists(open_emergency(user, now, "pk")))


# What a clinician's read needs of the patient: shown on the page and used to notify them.
PATIENT_FOR_CLINICIAN = ("site", "primary_physician__staff_profile", "user__email_preference")


def emergency_access_open_for(
    user, patient_id: int, *, now: dt.datetime | None = None, with_patient: bool = False
):
    """The physician's open emergency access to this patient, if any (with the patient loaded
    for a read when `with_patient`)."""
    if not _can_hold_access(user):
        return None
    accesses = EmergencyAccess.objects.open(now).filter(physician=user, patient_id=patient_id)
    if with_patient:
        accesses = accesses.select_related(
            *(f"patient__{related}" for related in PATIENT_FOR_CLINICIAN)
        )
    return accesses.order_by("-expires_at").first()


def _grants_in_force(user_id: int, patient_id: int, now: dt.datetime) -> QuerySet:
    emergency = (
        EmergencyAccess.objects.open(now)
        .filter(physician=user_id, patient_id=OuterRef("patient_id"))
        .order_by("-expires_at")
        .values("pk")[:1]
    )
    return (
        ConsentGrant.objects.in_force(now)
        .for_grantee(user_id)
        .filter(patient_id=patient_id)
        .select_related(
            "entry", "grantee_team", *(f"patient__{related}" for related in PATIENT_FOR_CLINICIAN)
        )
        .annotate(open_emergency_id=Subquery(emergency))
        .order_by("starts_at", "id")
    )


# Every clinician's read runs it: built and compiled once per process (clinic/prepared.py).
_GRANTS_IN_FORCE = PreparedQuery(_grants_in_force, user_id=INT, patient_id=INT, now=DATETIME)


def grants_in_force_for(user, patient_id: int, *, now: dt.datetime | None = None) -> list:
    """The grants that let `user` see this patient now, their time bounds compared with `now`,
    in one query. Each grant comes with the patient (as a clinician's read needs it) and, as
    `open_emergency_id`, the id of an emergency access the user also holds open, if any."""
    if not _can_hold_access(user):
        return []
    return _GRANTS_IN_FORCE(user_id=user.pk, patient_id=patient_id, now=now or timezone.now())


# What a read of record entries loads with each entry (consent.access._entries too).
ENTRY_RELATED = ("author__staff_profile",)


def _guarded_entry(user_id: int, patient_id: int, entry_id: int) -> QuerySet[RecordEntry]:
    direct = RecordEntryUserObjectPermission.objects.filter(
        user=user_id, permission__codename=VIEW_ENTRY, content_object_id=OuterRef("pk")
    )
    via_team = RecordEntryGroupObjectPermission.objects.filter(
        group__user=user_id, permission__codename=VIEW_ENTRY, content_object_id=OuterRef("pk")
    )
    return (
        RecordEntry.objects.filter(patient_id=patient_id, pk=entry_id)
        .select_related(*ENTRY_RELATED)
        .annotate(guarded=Exists(direct) | Exists(via_team))[:1]
    )


# Every clinician's read of an entry runs it: built and compiled once (clinic/prepared.py).
_GUARDED_ENTRY = PreparedQuery(_guarded_entry, user_id=INT, patient_id=INT, entry_id=INT)


def guarded_entry(user, *, patient_id: int, entry_id: int) -> RecordEntry | None:
    """One of this patient's entries, annotated `guarded`: whether `user` holds the derived
    guardian permission on it, directly or through a care team (one query with the entry)."""
    found = _GUARDED_ENTRY(user_id=user.pk, patient_id=patient_id, entry_id=entry_id)
    return found[0] if found else None


def basis_for_entry(
    entry: RecordEntry, grants: list, emergency, *, guarded: set[int]
) -> object | None:
    """Which grant in force (or the open emergency access) makes `entry` readable; None if
    nothing does. A grant counts only where its derived guardian row exists (fail closed)."""
    if entry.pk in guarded:
        covering = [
            g
            for g in grants
            if g.covers(entry_id=entry.pk, category=entry.category, sensitive=entry.sensitive)
        ]
        if covering:
            # The grant that names the entry is the most specific basis; then the oldest.
            return min(covering, key=lambda g: (g.scope != Scope.ENTRY, g.starts_at, g.pk))
    return emergency


def readable_entries(user, entries, grants: list, emergency, *, patient_id: int) -> list:
    """(entry, basis) for each of `entries` (one patient's) that `user` may read now."""
    guarded = guarded_entry_ids(user, patient_id=patient_id) if grants else set()
    found = []
    for entry in entries:
        basis = basis_for_entry(entry, grants, emergency, guarded=guarded)
        if basis is not None:
            found.append((entry, basis))
    return found
