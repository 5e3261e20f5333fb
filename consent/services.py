"""Writes about consent: grants, revocations, access requests and emergency access.

Grants and the guardian permission rows derived from them are written here and only here, in one
transaction (`sync_entry_permissions`).
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from clinic.models import Role, User
from notifications.models import NotificationKind
from notifications.services import notify, queue_email
from patients.models import OnboardingVisit, Patient, RecordEntry, VisitStatus
from proxies.models import ProxyAccess, ProxyArea
from proxies.rules import view_of

from .models import (
    AccessRequest,
    CareTeam,
    ConsentGrant,
    EmergencyAccess,
    EmergencyEnd,
    EmergencySituation,
    GivenVia,
    OutreachKind,
    OutreachMethod,
    OutreachTask,
    RecordEntryGroupObjectPermission,
    RecordEntryUserObjectPermission,
    RequestStatus,
    ReviewOutcome,
    Scope,
)

MIN_EMERGENCY_REASON = 20
MIN_EMERGENCY_REASON_WORDS = 4


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


def in_person_problem(visit: OnboardingVisit, recorded_by: User) -> str:
    """Why a choice cannot be recorded in person at this visit now, or "" if it can: only while
    the patient is here, at a visit that is checked in and open, on the day it was checked in,
    by the staff member running it."""
    if visit.status != VisitStatus.CHECKED_IN:
        return (
            "A sharing choice can be recorded only while the patient is here: this visit is "
            f"{visit.get_status_display().lower()}."
        )
    if not visit.identity_verified:
        return "Check the patient's identity before recording their choice."
    if timezone.localdate(visit.checked_in_at) != timezone.localdate():
        return (
            "This visit was checked in on another day. Record a choice only at a visit that is "
            "happening today."
        )
    if recorded_by.pk != visit.staff_member_id:
        return "Only the staff member running this visit can record the patient's choice."
    return ""


def _check_in_person(visit: OnboardingVisit | None, recorded_by: User) -> OnboardingVisit:
    if visit is None:
        raise ValidationError("A choice given in person is recorded at the patient's visit.")
    visit = OnboardingVisit.objects.select_for_update().get(pk=visit.pk)
    problem = in_person_problem(visit, recorded_by)
    if problem:
        raise ValidationError(problem, code="not_in_person")
    return visit


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
    visit: OnboardingVisit | None = None,
    recorded_under: ProxyAccess | None = None,
) -> ConsentGrant:
    """A new grant. `recorded_under`: given by someone acting for the patient (`recorded_by`),
    under that proxy access; the patient is told at once, with a one-click way to stop it."""
    _check_grantee(grantee_user, grantee_team)
    _check_proxy(recorded_under, patient, recorded_by)
    if recorded_under is not None:
        _check_within_proxy_view(
            recorded_under, scope, category, entry, include_sensitive, timezone.now()
        )
    if entry is not None and entry.patient_id != patient.pk:
        raise ValidationError("That entry is not part of this record.")
    if given_via == GivenVia.IN_PERSON:
        visit = _check_in_person(visit, recorded_by)
        if visit.patient_id != patient.pk:
            raise ValidationError("That visit is another patient's.")
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
        visit=visit,
        recorded_under=recorded_under,
    )
    grant.full_clean()
    grant.save()
    sync_entry_permissions(patient, now=now)
    if recorded_under is not None and access_request is None:
        confirm_grant_to_patient(grant)  # an approved request is confirmed by its service
    return grant


def _check_proxy(access: ProxyAccess | None, patient: Patient, user: User) -> None:
    """Someone acting for the patient acts only for that patient, as themself."""
    if access is None:
        return
    if access.patient_id != patient.pk or access.proxy is None or access.proxy.user_id != user.pk:
        raise ValidationError("You cannot act for this patient.")


def _check_within_proxy_view(
    access: ProxyAccess,
    scope: str,
    category: str,
    entry: RecordEntry | None,
    include_sensitive: bool,
    now: dt.datetime,
) -> None:
    """Someone acting for the patient shares only what they may see themselves: never more of
    the record than their own access gives them (`proxies.rules.view_of`)."""
    view = view_of(access, now)
    if not view.allows(ProxyArea.SHARING):
        raise ValidationError("You cannot manage sharing for this patient.")
    narrower = "You can share only the parts of the record you can see yourself."
    if include_sensitive and not view.include_sensitive:
        raise ValidationError({"include_sensitive": narrower})
    if (
        scope == Scope.ENTRY
        and entry is not None
        and entry.sensitive
        and not view.include_sensitive
    ):
        raise ValidationError({"entry": narrower})
    if view.categories is None:
        return
    if scope == Scope.RECORD:
        raise ValidationError({"scope": narrower})
    if scope == Scope.CATEGORY and category not in view.categories:
        raise ValidationError({"category": narrower})
    if scope == Scope.ENTRY and entry is not None and entry.category not in view.categories:
        raise ValidationError({"entry": narrower})


def _tell_patient_of_proxy_action(patient: Patient, access: ProxyAccess, what: str) -> None:
    """Tell the patient what someone acting for them did about their sharing (who, as what,
    when; never health data)."""
    if not patient.user_id:
        return
    notify(
        recipient=patient.user,
        kind=NotificationKind.CONSENT_RECORDED,
        message=f"On {_when(timezone.now())} {access.proxy_name}, as your "
        f"{access.get_relationship_display()}, {what}. See your sharing page.",
        link=reverse("portal:sharing"),
    )


@transaction.atomic
def revoke_consent(
    *,
    grant: ConsentGrant,
    revoked_by: User,
    reason: str = "",
    revoked_under: ProxyAccess | None = None,
) -> ConsentGrant:
    """End a grant now. Idempotent: revoking a revoked grant changes nothing. `revoked_under`:
    stopped by someone acting for the patient (`revoked_by`); the patient is told."""
    grant = ConsentGrant.objects.select_for_update().get(pk=grant.pk)
    _check_proxy(revoked_under, grant.patient, revoked_by)
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.revoked_by = revoked_by
        grant.revoke_reason = reason.strip()[:500]
        grant.revoked_under = revoked_under
        grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason", "revoked_under"])
        sync_entry_permissions(grant.patient)
        if revoked_under is not None:
            _tell_patient_of_proxy_action(
                grant.patient,
                revoked_under,
                f"stopped sharing your record with {grant.grantee_name}",
            )
    return grant


def confirm_grant_to_patient(grant: ConsentGrant) -> None:
    """A grant made on the patient's behalf (told to the front desk, or approving a request) is
    read back to them at once, with a one-click way to stop it: in the portal and by email, or by
    email alone while they have no portal account yet (`consent/outbox.py`)."""
    patient = grant.patient
    if patient.user_id:
        notify(
            recipient=patient.user,
            kind=NotificationKind.CONSENT_RECORDED,
            message=f"{grant.confirmation()} Not you, or not what you said? Stop it here.",
            link=reverse("portal:sharing_revoke", args=[grant.pk]),
        )
    else:
        queue_email(kind=NotificationKind.CONSENT_RECORDED, subject_id=grant.pk)


@transaction.atomic
def record_in_person_choice(
    *,
    visit: OnboardingVisit,
    recorded_by: User,
    grantee_user: User,
    scope: str,
    purpose: str,
    category: str = "",
    purpose_other: str = "",
    include_sensitive: bool = False,
) -> ConsentGrant:
    """The sharing choice a patient tells us at their face-to-face visit. Only while that visit is
    checked in and open, on the day it was checked in, and only by the staff member running it:
    a choice cannot be recorded for a patient who is not there."""
    same = ConsentGrant.objects.filter(
        visit=visit,
        grantee_user=grantee_user,
        scope=scope,
        category=category if scope == Scope.CATEGORY else "",
        purpose=purpose,
        purpose_other=purpose_other.strip(),
        include_sensitive=include_sensitive,
        revoked_at__isnull=True,
    ).first()
    if same is not None:  # a double submit of the same choice: recorded once, told once
        return same
    grant = grant_consent(
        patient=visit.patient,
        recorded_by=recorded_by,
        given_via=GivenVia.IN_PERSON,
        grantee_user=grantee_user,
        scope=scope,
        category=category,
        purpose=purpose,
        purpose_other=purpose_other,
        include_sensitive=include_sensitive,
        visit=visit,
    )
    confirm_grant_to_patient(grant)
    return grant


def _tell_by_letter_or_phone(patient: Patient, kind: str, **about) -> OutreachTask:
    """The patient has no portal account: put a task in the privacy officer's queue."""
    return OutreachTask.objects.create(patient=patient, kind=kind, **about)


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
            f"{_when(access_request.created_at)}. You can approve or decline.",
            link=reverse("portal:sharing"),
        )
    else:
        _tell_by_letter_or_phone(
            patient, OutreachKind.ACCESS_REQUEST, access_request=access_request
        )
    return access_request


def _decide(access_request: AccessRequest) -> AccessRequest:
    locked = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if locked.status != RequestStatus.PENDING:
        raise ValidationError("This request has already been answered.")
    return locked


def _record_decision(
    access_request: AccessRequest,
    status: str,
    note: str = "",
    *,
    decided_under: ProxyAccess | None = None,
) -> None:
    """Store the patient's answer and tell the physician (who and when, never what)."""
    access_request.status = status
    access_request.decided_at = timezone.now()
    access_request.decision_note = note.strip()[:500]
    access_request.decided_under = decided_under
    access_request.save(update_fields=["status", "decided_at", "decision_note", "decided_under"])
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
    decided_under: ProxyAccess | None = None,
) -> ConsentGrant:
    """The patient approves, possibly narrowing a whole-record request to one category (or
    someone acting for them, `decided_by`, under the proxy access `decided_under`)."""
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
        recorded_under=decided_under,
    )
    _record_decision(access_request, RequestStatus.APPROVED, decided_under=decided_under)
    confirm_grant_to_patient(grant)
    return grant


@transaction.atomic
def decline_access_request(
    *,
    access_request: AccessRequest,
    note: str = "",
    decided_by: User | None = None,
    decided_under: ProxyAccess | None = None,
) -> AccessRequest:
    """The patient declines (or someone acting for them, `decided_by`, under `decided_under`:
    the patient is told)."""
    access_request = _decide(access_request)
    if decided_under is not None:
        _check_proxy(decided_under, access_request.patient, decided_by)
    _record_decision(access_request, RequestStatus.DECLINED, note, decided_under=decided_under)
    if decided_under is not None:
        _tell_patient_of_proxy_action(
            access_request.patient,
            decided_under,
            f"declined {access_request.physician.display_name}'s request to see your record",
        )
    return access_request


# --- emergency access ---------------------------------------------------------------------------


def check_emergency_reason(reason: str) -> str:
    """The reason in the physician's own words, tidied; a reason padded or repeated to reach the
    minimum is refused, since the patient and the privacy officer will read it."""
    reason = " ".join(reason.split())
    if len(reason) < MIN_EMERGENCY_REASON:
        raise ValidationError(
            f"Please explain the emergency in at least {MIN_EMERGENCY_REASON} characters."
        )
    words = [word.lower() for word in re.findall(r"[^\W\d_]{2,}", reason)]
    padded = (
        re.search(r"(.)\1{4,}", reason) is not None  # "aaaaa", "....."
        or len(set(reason.lower())) < 8
        or len(set(words)) < MIN_EMERGENCY_REASON_WORDS
    )
    repeated = re.fullmatch(r"(.{2,}?)(?:\W*\1)+\W*", reason, flags=re.IGNORECASE) is not None or (
        bool(words) and max(words.count(w) for w in set(words)) * 2 > len(words)
    )
    if padded or repeated:
        raise ValidationError(
            "Please describe this emergency in your own words: what is happening and what you "
            "need to see. Repeated or filler text is not accepted.",
            code="padded_reason",
        )
    return reason


def _privacy_officers():
    return User.objects.filter(staff_profile__role=Role.PRIVACY_OFFICER, is_active=True)


def _alert_for(access: EmergencyAccess, now: dt.datetime) -> str:
    """Why this opening needs the privacy officers' attention at once, or ""."""
    reasons = []
    openings = EmergencyAccess.objects.filter(
        physician=access.physician, opened_at__gt=now - dt.timedelta(hours=24)
    ).count()
    if openings > settings.EMERGENCY_ALERT_OPENINGS_PER_DAY:
        reasons.append(f"{openings} emergency openings by this physician in 24 hours")
    earlier_inappropriate = (
        EmergencyAccess.objects.filter(
            physician=access.physician,
            patient=access.patient,
            review_outcome=ReviewOutcome.INAPPROPRIATE,
        )
        .exclude(pk=access.pk)
        .exists()
    )
    if earlier_inappropriate:
        reasons.append(
            "an earlier emergency access to this patient by this physician was judged inappropriate"
        )
    return "; ".join(reasons)


@transaction.atomic
def open_emergency_access(
    *,
    physician: User,
    patient: Patient,
    reason: str,
    situation: str = EmergencySituation.OTHER,
) -> EmergencyAccess:
    """Break the glass: read access for a short window. The patient is told at once (always by
    email, whatever their preference; by letter or phone through the privacy officer's queue when
    they have no portal account) and the privacy officers get an item to review, and an alert at
    once when openings repeat or follow an inappropriate one. While a window is open, opening
    again changes nothing: no new access and no longer window."""
    if physician.role != Role.PHYSICIAN:
        raise ValidationError("Only physicians can use emergency access.")
    if situation not in EmergencySituation.values:
        raise ValidationError("Choose the situation that describes this emergency.")
    reason = check_emergency_reason(reason)
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
        situation=situation,
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
            message=f"{physician.display_name} opened your record in an emergency on "
            f"{_when(now)}. Our privacy officer will review it. See why, and what you can do.",
            link=reverse("portal:sharing") + f"#emergency-{access.pk}",
        )
    else:
        _tell_by_letter_or_phone(patient, OutreachKind.EMERGENCY_ACCESS, emergency=access)
    access.alert = _alert_for(access, now)
    if access.alert:
        access.save(update_fields=["alert"])
    for officer in _privacy_officers():
        notify(
            recipient=officer,
            kind=NotificationKind.EMERGENCY_TO_REVIEW,
            message=f"{physician.display_name} used emergency access on {_when(now)}. "
            "Please review it.",
            link=reverse("staff:emergency_review", args=[access.pk]),
        )
        if access.alert:
            notify(
                recipient=officer,
                kind=NotificationKind.EMERGENCY_ALERT,
                message=f"Look at this now: {physician.display_name} used emergency access on "
                f"{_when(now)}, and {access.alert}.",
                link=reverse("staff:emergency_review", args=[access.pk]),
            )
    return access


def _end(access: EmergencyAccess, *, by: User, why: str, now: dt.datetime) -> bool:
    """End an open access now; False if it was no longer open."""
    if not access.is_open(now):
        return False
    access.ended_at, access.ended_by, access.end_reason = now, by, why
    access.save(update_fields=["ended_at", "ended_by", "end_reason"])
    return True


@transaction.atomic
def review_emergency_access(
    *, access: EmergencyAccess, reviewer: User, outcome: str, note: str
) -> EmergencyAccess:
    """A privacy officer's verdict. "Inappropriate" ends an access still open at once."""
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
    now = timezone.now()
    access.review_outcome = outcome
    access.reviewed_by = reviewer
    access.reviewed_at = now
    access.review_note = note
    access.full_clean()
    access.save(update_fields=["review_outcome", "reviewed_by", "reviewed_at", "review_note"])
    ended = outcome == ReviewOutcome.INAPPROPRIATE and _end(
        access, by=reviewer, why=EmergencyEnd.VERDICT, now=now
    )
    verdict = (
        "judged it inappropriate"
        if outcome == ReviewOutcome.INAPPROPRIATE
        else "found it appropriate"
    )
    ended_text = " The access was ended at once." if ended else ""
    if access.patient.user_id:
        notify(
            recipient=access.patient.user,
            kind=NotificationKind.EMERGENCY_REVIEWED,
            message="Our privacy officer reviewed the emergency access of "
            f"{_when(access.opened_at)} and {verdict}.{ended_text} Read the outcome.",
            link=reverse("portal:sharing") + f"#emergency-{access.pk}",
        )
    if ended:
        notify(
            recipient=access.physician,
            kind=NotificationKind.EMERGENCY_ENDED,
            message=f"Your emergency access of {_when(access.opened_at)} was judged "
            "inappropriate by a privacy officer and has been ended.",
            link=reverse("staff:patients"),
        )
    return access


@transaction.atomic
def end_emergency_access(*, access: EmergencyAccess, by: User) -> EmergencyAccess:
    """The patient ends an emergency access to their record. The physician and the privacy
    officers are told; the review still happens."""
    access = EmergencyAccess.objects.select_for_update().get(pk=access.pk)
    if access.patient.user_id != by.pk:
        raise ValidationError("Only the patient can end this emergency access.")
    now = timezone.now()
    if not _end(access, by=by, why=EmergencyEnd.PATIENT, now=now):
        raise ValidationError("This emergency access has already ended.")
    message = (
        f"{access.patient.display_name} ended the emergency access opened by "
        f"{access.physician.display_name} on {_when(access.opened_at)}."
    )
    notify(
        recipient=access.physician,
        kind=NotificationKind.EMERGENCY_ENDED,
        message=message,
        link=reverse("staff:patients"),
    )
    for officer in _privacy_officers():
        notify(
            recipient=officer,
            kind=NotificationKind.EMERGENCY_ENDED,
            message=message,
            link=reverse("staff:emergency_review", args=[access.pk]),
        )
    return access


@transaction.atomic
def complete_outreach_task(
    *, task: OutreachTask, by: User, method: str, note: str = ""
) -> OutreachTask:
    """Someone told the patient by letter or phone."""
    task = OutreachTask.objects.select_for_update().get(pk=task.pk)
    if task.done_at is not None:
        raise ValidationError("This has already been done.")
    if method not in OutreachMethod.values:
        raise ValidationError("Say how the patient was told: by letter or by phone.")
    task.done_at, task.done_by, task.method, task.note = timezone.now(), by, method, note.strip()
    task.full_clean()
    task.save()
    return task


def resync_team(team: CareTeam) -> None:
    """Team membership changed: guardian group rows are per group, so nothing per member needs
    rewriting; re-derive the team's patients' rows anyway to stay exact."""
    for patient in Patient.objects.filter(consent_grants__grantee_team=team).distinct():
        sync_entry_permissions(patient)
