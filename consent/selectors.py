"""Who may read what, right now. Every read of record content goes through these queries.

Default deny. A staff member reads an entry only while
- a consent grant in force (started, not expired, not revoked — compared with the time of *this*
  request) names them or a care team they belong to, covers the entry (whole record, its category
  or the entry itself; sensitive entries only when named or when the grant includes sensitive
  entries), *and* the derived guardian permission row exists; or
- they hold an open emergency access to the patient.
Each function is a single SQL query whatever the data size.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

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


def _guardian_rows(user) -> tuple[QuerySet, QuerySet]:
    """Correlated with an outer RecordEntry: an index lookup per candidate entry, rather than the
    whole list of a busy physician's permissions."""
    direct = RecordEntryUserObjectPermission.objects.filter(
        content_object_id=OuterRef("pk"), user=user, permission__codename=VIEW_ENTRY
    )
    via_team = RecordEntryGroupObjectPermission.objects.filter(
        content_object_id=OuterRef("pk"), group__user=user, permission__codename=VIEW_ENTRY
    )
    return direct, via_team


def covering_grants(user, now: dt.datetime) -> tuple[QuerySet, QuerySet]:
    """Subqueries (correlated with an outer RecordEntry) for grants in force that cover a
    non-sensitive and a sensitive entry respectively."""
    in_force = (
        ConsentGrant.objects.in_force(now)
        .for_grantee(user)
        .filter(patient_id=OuterRef("patient_id"))
    )
    names_entry = Q(scope=Scope.ENTRY, entry_id=OuterRef("pk"))
    broad = Q(scope=Scope.RECORD) | Q(scope=Scope.CATEGORY, category=OuterRef("category"))
    return (
        in_force.filter(names_entry | broad),
        in_force.filter(names_entry | (broad & Q(include_sensitive=True))),
    )


def open_emergency(user, now: dt.datetime, patient_ref: str = "patient_id") -> QuerySet:
    return EmergencyAccess.objects.open(now).filter(
        physician=user, patient_id=OuterRef(patient_ref)
    )


def filter_visible_entries(
    entries: QuerySet[RecordEntry], user, *, now: dt.datetime | None = None
) -> QuerySet[RecordEntry]:
    if not _can_hold_access(user):
        return entries.none()
    now = now or timezone.now()
    direct, via_team = _guardian_rows(user)
    covers_plain, covers_sensitive = covering_grants(user, now)
    by_consent = (Exists(direct) | Exists(via_team)) & (
        Q(sensitive=False, _covered_plain=True) | Q(sensitive=True, _covered_sensitive=True)
    )
    return entries.annotate(
        _covered_plain=Exists(covers_plain),
        _covered_sensitive=Exists(covers_sensitive),
        _emergency=Exists(open_emergency(user, now)),
    ).filter(by_consent | Q(_emergency=True))


def filter_visible_patients(
    patients: QuerySet[Patient], user, *, now: dt.datetime | None = None
) -> QuerySet[Patient]:
    if not _can_hold_access(user):
        return patients.none()
    now = now or timezone.now()
    granted = ConsentGrant.objects.in_force(now).for_grantee(user).filter(patient_id=OuterRef("pk"))
    return patients.filter(Exists(granted) | Exists(open_emergency(user, now, "pk")))


def open_emergency_access(user, patient: Patient, *, now: dt.datetime | None = None):
    """The physician's open emergency access to this patient, if any."""
    if not _can_hold_access(user):
        return None
    return (
        EmergencyAccess.objects.open(now)
        .filter(physician=user, patient=patient)
        .order_by("-expires_at")
        .first()
    )


def grants_in_force_for(user, patient: Patient, *, now: dt.datetime | None = None) -> list:
    """The grants that let `user` see this patient now (to show and log the basis of a read)."""
    if not _can_hold_access(user):
        return []
    return list(
        ConsentGrant.objects.in_force(now)
        .for_grantee(user)
        .filter(patient=patient)
        .select_related("entry", "grantee_team")
        .distinct()
        .order_by("starts_at", "id")
    )


def basis_for_entry(entry: RecordEntry, grants: list, emergency) -> object | None:
    """Which grant (or the emergency access) makes `entry` readable; None if nothing does."""
    for grant in grants:
        if grant.scope == Scope.ENTRY and grant.entry_id == entry.pk:
            return grant
    for grant in grants:
        covers = grant.scope == Scope.RECORD or (
            grant.scope == Scope.CATEGORY and grant.category == entry.category
        )
        if covers and (grant.include_sensitive or not entry.sensitive):
            return grant
    return emergency
