"""Writes about consent: grants, revocations, access requests and emergency access.

Grants and the guardian permission rows derived from them are written here and only here, in one
transaction (`sync_entry_permissions`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from clinic.models import Role, User
from notifications.models import NotificationKind
from notifications.services import notify
from patients.models import Patient, RecordEntry

from .models import (
    AccessRequest,
    CareTeam,
    ConsentGrant,
    EmergencyAccess,
    GivenVia,
    RecordEntryGroupObjectPermission,
    RecordEntryUserObjectPermission,
    RequestStatus,
    ReviewOutcome,
    Scope,
)

MIN_EMERGENCY_REASON = 20


def _view_entry_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="patients", codename="view_recordentry")


def _when(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%-d %b at %H:%M}"


# --- derived guardian permissions ---------------------------------------------------------------


@transaction.atomic
def sync_entry_permissions(patient: Patient, *, now: dt.datetime | None = None) -> None:
    """Make the guardian rows for this patient's entries match the grants that have not ended
    (in force or starting later). Reads still check the grant's time bounds on every request."""
    now = now or timezone.now()
    permission = _view_entry_permission()
    entries = list(
        RecordEntry.objects.filter(patient=patient).values_list("id", "category", "sensitive")
    )
    grants = (
        ConsentGrant.objects.not_ended(now).filter(patient=patient).select_related("grantee_team")
    )

    wanted_users: set[tuple[int, int]] = set()
    wanted_groups: set[tuple[int, int]] = set()
    for grant in grants:
        for entry_id, category, sensitive in entries:
            if grant.covers(entry_id=entry_id, category=category, sensitive=sensitive):
                if grant.grantee_user_id:
                    wanted_users.add((grant.grantee_user_id, entry_id))
                else:
                    wanted_groups.add((grant.grantee_team.group_id, entry_id))

    _sync_rows(RecordEntryUserObjectPermission, "user_id", patient, permission, wanted_users)
    _sync_rows(RecordEntryGroupObjectPermission, "group_id", patient, permission, wanted_groups)


def _sync_rows(model, holder_field: str, patient, permission, wanted: set[tuple[int, int]]) -> None:
    existing = {
        (holder, entry): pk
        for pk, holder, entry in model.objects.filter(
            content_object__patient=patient, permission=permission
        ).values_list("pk", holder_field, "content_object_id")
    }
    stale = [pk for key, pk in existing.items() if key not in wanted]
    if stale:
        model.objects.filter(pk__in=stale).delete()
    missing = wanted - existing.keys()
    model.objects.bulk_create(
        [
            model(**{holder_field: holder, "content_object_id": entry, "permission": permission})
            for holder, entry in sorted(missing)
        ]
    )


def _rows_no_grant_supports(model, grantee_filter: dict, now: dt.datetime):
    """Patient ids of guardian rows that no grant still in force or scheduled covers (same
    coverage rule as `ConsentGrant.covers`: another live grant to the same grantee for another
    part of the record does not keep the row)."""
    live = ConsentGrant.objects.not_ended(now).filter(
        patient_id=OuterRef("content_object__patient_id"), **grantee_filter
    )
    names_entry = Q(scope=Scope.ENTRY, entry_id=OuterRef("content_object_id"))
    broad = Q(scope=Scope.RECORD) | Q(
        scope=Scope.CATEGORY, category=OuterRef("content_object__category")
    )
    covers_plain = live.filter(names_entry | broad)
    covers_sensitive = live.filter(names_entry | (broad & Q(include_sensitive=True)))
    return (
        model.objects.alias(_plain=Exists(covers_plain), _sensitive=Exists(covers_sensitive))
        .filter(
            Q(content_object__sensitive=False, _plain=False)
            | Q(content_object__sensitive=True, _sensitive=False)
        )
        .values_list("content_object__patient_id", flat=True)
    )


def sync_permissions_of_ended_grants(*, now: dt.datetime | None = None) -> int:
    """Re-derive permissions for every patient with a guardian row no grant supports any more
    (the grant expired). Returns the number of patients synced."""
    now = now or timezone.now()
    orphan_users = _rows_no_grant_supports(
        RecordEntryUserObjectPermission, {"grantee_user_id": OuterRef("user_id")}, now
    )
    orphan_groups = _rows_no_grant_supports(
        RecordEntryGroupObjectPermission, {"grantee_team__group_id": OuterRef("group_id")}, now
    )
    patient_ids = set(orphan_users) | set(orphan_groups)
    for patient in Patient.objects.filter(pk__in=patient_ids):
        sync_entry_permissions(patient, now=now)
    return len(patient_ids)


# --- grants -------------------------------------------------------------------------------------


def _check_grantee(grantee_user: User | None, grantee_team: CareTeam | None) -> None:
    if (grantee_user is None) == (grantee_team is None):
        raise ValidationError("Choose one physician or one care team.")
    if grantee_user is not None and (
        grantee_user.role != Role.PHYSICIAN or not grantee_user.is_active
    ):
        raise ValidationError("You can share your record only with a physician or a care team.")


@transaction.atomic
def grant_consent(
    *,
    patient: Patient,
    recorded_by: User,
    given_via: str,
    scope: str,
    purpose: str,
    grantee_user: User | None = None,
    grantee_team: CareTeam | None = None,
    category: str = "",
    entry: RecordEntry | None = None,
    purpose_other: str = "",
    include_sensitive: bool = False,
    starts_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    access_request: AccessRequest | None = None,
) -> ConsentGrant:
    _check_grantee(grantee_user, grantee_team)
    if entry is not None and entry.patient_id != patient.pk:
        raise ValidationError("That entry is not part of this record.")
    now = timezone.now()
    starts_at = starts_at or now
    if expires_at is not None and expires_at <= max(starts_at, now):
        raise ValidationError("The end date must be after the start date and in the future.")
    grant = ConsentGrant(
        patient=patient,
        grantee_user=grantee_user,
        grantee_team=grantee_team,
        scope=scope,
        category=category if scope == Scope.CATEGORY else "",
        entry=entry if scope == Scope.ENTRY else None,
        purpose=purpose,
        purpose_other=purpose_other.strip(),
        include_sensitive=include_sensitive and scope != Scope.ENTRY,
        starts_at=starts_at,
        expires_at=expires_at,
        given_via=given_via,
        recorded_by=recorded_by,
        access_request=access_request,
    )
    grant.full_clean()
    grant.save()
    sync_entry_permissions(patient, now=now)
    return grant


@transaction.atomic
def revoke_consent(*, grant: ConsentGrant, revoked_by: User, reason: str = "") -> ConsentGrant:
    """End a grant now. Idempotent: revoking a revoked grant changes nothing."""
    grant = ConsentGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.revoked_by = revoked_by
        grant.revoke_reason = reason.strip()[:500]
        grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        sync_entry_permissions(grant.patient)
    return grant


# --- access requests ----------------------------------------------------------------------------


@transaction.atomic
def request_access(
    *,
    physician: User,
    patient: Patient,
    scope: str,
    purpose: str,
    category: str = "",
    purpose_other: str = "",
    message: str = "",
) -> AccessRequest:
    if physician.role != Role.PHYSICIAN:
        raise ValidationError("Only physicians can ask for access.")
    if AccessRequest.objects.filter(
        patient=patient, physician=physician, status=RequestStatus.PENDING
    ).exists():
        raise ValidationError("You already have a request waiting for this patient's answer.")
    access_request = AccessRequest(
        patient=patient,
        physician=physician,
        scope=scope,
        category=category if scope == Scope.CATEGORY else "",
        purpose=purpose,
        purpose_other=purpose_other.strip(),
        message=message.strip(),
    )
    access_request.full_clean()
    try:
        with transaction.atomic():
            access_request.save()
    except IntegrityError as error:  # a concurrent double submit
        raise ValidationError(
            "You already have a request waiting for this patient's answer."
        ) from error
    if patient.user_id:
        notify(
            recipient=patient.user,
            kind=NotificationKind.ACCESS_REQUEST,
            message=f"{physician.display_name} asked to see part of your record on "
            f"{_when(access_request.created_at)}. Sign in to approve or decline.",
            link=reverse("portal:sharing"),
        )
    return access_request


def _decide(access_request: AccessRequest) -> AccessRequest:
    locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if locked.status != RequestStatus.PENDING:
        raise ValidationError("This request has already been answered.")
    return locked


def _record_decision(access_request: AccessRequest, status: str, note: str = "") -> None:
    """Store the patient's answer and tell the physician (who and when, never what)."""
    access_request.status = status
    access_request.decided_at = timezone.now()
    access_request.decision_note = note.strip()[:500]
    access_request.save(update_fields=["status", "decided_at", "decision_note"])
    verb = "approved" if status == RequestStatus.APPROVED else "declined"
    notify(
        recipient=access_request.physician,
        kind=NotificationKind.REQUEST_DECIDED,
        message=f"{access_request.patient.display_name} {verb} your access request on "
        f"{_when(access_request.decided_at)}.",
        link=reverse("staff:access_requests"),
    )


@transaction.atomic
def approve_access_request(
    *,
    access_request: AccessRequest,
    decided_by: User,
    scope: str,
    category: str = "",
    include_sensitive: bool = False,
    expires_at: dt.datetime | None = None,
) -> ConsentGrant:
    """The patient approves, possibly narrowing a whole-record request to one category."""
    access_request = _decide(access_request)
    if access_request.scope == Scope.CATEGORY and (
        scope != Scope.CATEGORY or category != access_request.category
    ):
        raise ValidationError("You can approve this request only for what was asked, or less.")
    if scope not in (Scope.RECORD, Scope.CATEGORY):
        raise ValidationError("Choose the whole record or one category.")
    grant = grant_consent(
        patient=access_request.patient,
        recorded_by=decided_by,
        given_via=GivenVia.ACCESS_REQUEST,
        grantee_user=access_request.physician,
        scope=scope,
        category=category,
        purpose=access_request.purpose,
        purpose_other=access_request.purpose_other,
        include_sensitive=include_sensitive,
        expires_at=expires_at,
        access_request=access_request,
    )
    _record_decision(access_request, RequestStatus.APPROVED)
    return grant


@transaction.atomic
def decline_access_request(*, access_request: AccessRequest, note: str = "") -> AccessRequest:
    access_request = _decide(access_request)
    _record_decision(access_request, RequestStatus.DECLINED, note)
    return access_request


# --- emergency access ---------------------------------------------------------------------------


@transaction.atomic
def open_emergency_access(*, physician: User, patient: Patient, reason: str) -> EmergencyAccess:
    """Break the glass: read access for a short window. The patient is told at once (always by
    email, whatever their preference) and the privacy officers get an item to review."""
    if physician.role != Role.PHYSICIAN:
        raise ValidationError("Only physicians can use emergency access.")
    reason = " ".join(reason.split())
    if len(reason) < MIN_EMERGENCY_REASON:
        raise ValidationError(
            f"Please explain the emergency in at least {MIN_EMERGENCY_REASON} characters."
        )
    now = timezone.now()
    existing = (
        EmergencyAccess.objects.select_for_update()
        .open(now)
        .filter(physician=physician, patient=patient)
        .first()
    )
    if existing is not None:  # a double submit, or a second reason while the window is open
        return existing
    access = EmergencyAccess(
        physician=physician,
        patient=patient,
        reason=reason,
        opened_at=now,
        expires_at=now + dt.timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
    )
    access.full_clean()
    access.save()
    if patient.user_id:
        notify(
            recipient=patient.user,
            kind=NotificationKind.EMERGENCY_ACCESS,
            message=f"{physician.display_name} used emergency access to your record on "
            f"{_when(now)}. Our privacy officer will review it. Sign in to see why.",
            link=reverse("portal:sharing"),
        )
    for officer in User.objects.filter(staff_profile__role=Role.PRIVACY_OFFICER, is_active=True):
        notify(
            recipient=officer,
            kind=NotificationKind.EMERGENCY_TO_REVIEW,
            message=f"{physician.display_name} used emergency access on {_when(now)}. "
            "Please review it.",
            link=reverse("staff:emergency_review", args=[access.pk]),
        )
    return access


@transaction.atomic
def review_emergency_access(
    *, access: EmergencyAccess, reviewer: User, outcome: str, note: str
) -> EmergencyAccess:
    if reviewer.role != Role.PRIVACY_OFFICER:
        raise ValidationError("Only a privacy officer can review emergency access.")
    access = EmergencyAccess.objects.select_for_update().get(pk=access.pk)
    if access.review_outcome != ReviewOutcome.PENDING:
        raise ValidationError("This emergency access has already been reviewed.")
    if outcome not in (ReviewOutcome.APPROPRIATE, ReviewOutcome.INAPPROPRIATE):
        raise ValidationError("Choose appropriate or inappropriate.")
    note = note.strip()
    if not note:
        raise ValidationError("Please write a note for the patient.")
    access.review_outcome = outcome
    access.reviewed_by = reviewer
    access.reviewed_at = timezone.now()
    access.review_note = note
    access.full_clean()
    access.save(update_fields=["review_outcome", "reviewed_by", "reviewed_at", "review_note"])
    if access.patient.user_id:
        notify(
            recipient=access.patient.user,
            kind=NotificationKind.EMERGENCY_REVIEWED,
            message="Our privacy officer reviewed the emergency access of "
            f"{_when(access.opened_at)}. Sign in to read the outcome.",
            link=reverse("portal:sharing"),
        )
    return access


def resync_team(team: CareTeam) -> None:
    """Team membership changed: guardian group rows are per group, so nothing per member needs
    rewriting; re-derive the team's patients' rows anyway to stay exact."""
    for patient in Patient.objects.filter(consent_grants__grantee_team=team).distinct():
        sync_entry_permissions(patient)
