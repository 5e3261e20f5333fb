"""Writes of the onboarding journey: register, schedule, check in, verify identity, issue codes,
tick the tools introduction, complete, and activate the portal account.

Each service locks the row it changes, checks the state it expects, validates with `full_clean()`
and lets the database constraints have the last word (no double booking, one open visit and one
live code per patient). Refusals are `ValidationError`s whose messages can be shown as they are.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from clinic.models import Role, Site, User
from notifications import services as outbox
from notifications.models import Notification, NotificationKind

from .codes import generate_activation_code, hash_activation_code
from .models import (
    ACTIVATION_CODE_LIFETIME,
    ACTIVATION_CODE_MAX_FAILURES,
    BOOKING_HORIZON_DAYS,
    ActivationCode,
    ChecklistItem,
    ChecklistOutcome,
    CodeStatus,
    DetailsChange,
    IdentityDocument,
    OnboardingChecklistEntry,
    OnboardingVisit,
    Patient,
    PortalStep,
    TwoStepReset,
    VisitStatus,
    generate_mrn,
    slot_times,
)

logger = logging.getLogger(__name__)

# Who can lead a tools introduction (and so be booked for an onboarding visit).
BOOKABLE_ROLES = (Role.FRONT_DESK,)


class LikelyDuplicate(Exception):
    """A patient with the same legal name and date of birth exists already."""

    def __init__(self, matches: list[Patient]) -> None:
        super().__init__("A patient with this name and date of birth already exists.")
        self.matches = matches


class CodeAlreadyIssued(Exception):
    """The issuing form was sent twice; the first code stands (and cannot be shown again)."""


# --- Patients -------------------------------------------------------------------------------------


def _tidy(text: str) -> str:
    return " ".join(text.split())


@transaction.atomic
def register_patient(
    *,
    created_by: User,
    legal_name: str,
    date_of_birth: date,
    email: str,
    site: Site,
    preferred_name: str = "",
    phone: str = "",
    preferred_language: str = "en",
    primary_physician: User | None = None,
    registration_token: uuid.UUID | None = None,
    allow_duplicate: bool = False,
) -> Patient:
    """Create a patient record. Raises `LikelyDuplicate` when one with the same legal name and
    date of birth exists, unless `allow_duplicate`. The same `registration_token` twice returns
    the patient created the first time (double submit)."""
    if registration_token is not None:
        existing = Patient.objects.filter(registration_token=registration_token).first()
        if existing is not None:
            return existing
    legal_name = _tidy(legal_name)
    if not allow_duplicate:
        matches = list(
            Patient.objects.matching_identity(
                legal_name=legal_name, date_of_birth=date_of_birth
            ).select_related("site")[:10]
        )
        if matches:
            raise LikelyDuplicate(matches)
    if primary_physician is not None and primary_physician.role != Role.PHYSICIAN:
        raise ValidationError({"primary_physician": "Choose one of the clinic's physicians."})
    patient = Patient(
        legal_name=legal_name,
        preferred_name=_tidy(preferred_name),
        date_of_birth=date_of_birth,
        email=email.strip(),
        phone=_tidy(phone),
        preferred_language=preferred_language,
        primary_physician=primary_physician,
        site=site,
        created_by=created_by,
        registration_token=registration_token,
    )
    # MRNs are random; on the rare collision draw another rather than fail.
    for _ in range(5):
        if not Patient.objects.filter(mrn=patient.mrn).exists():
            break
        patient.mrn = generate_mrn()
    patient.full_clean()
    patient.save()
    return patient


# --- Visits ---------------------------------------------------------------------------------------


def _lock_visit(visit: OnboardingVisit) -> OnboardingVisit:
    return OnboardingVisit.objects.select_for_update().select_related("patient").get(pk=visit.pk)


def _check_slot(starts_at: datetime) -> None:
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be an aware datetime")
    local = timezone.localtime(starts_at)
    if (local.hour, local.minute) not in slot_times() or local.second or local.microsecond:
        first, last = slot_times()[0], slot_times()[-1]
        raise ValidationError(
            f"Choose one of the half-hour slots between {first[0]:02d}:{first[1]:02d} and "
            f"{last[0]:02d}:{last[1]:02d}.",
            code="not_a_slot",
        )
    now = timezone.now()
    if starts_at <= now:
        raise ValidationError(
            "That time has already passed. Choose a time later than now.", code="past"
        )
    if starts_at > now + timedelta(days=BOOKING_HORIZON_DAYS):
        raise ValidationError("Visits can be booked up to a year ahead.", code="too_far")


def _check_bookable(staff_member: User, site: Site) -> None:
    if not staff_member.is_active or staff_member.role not in BOOKABLE_ROLES:
        raise ValidationError(
            {"staff_member": "Choose a front desk colleague who can do the tools introduction."}
        )
    if not site.is_active:
        raise ValidationError({"site": "This site is closed; choose another."})


def _save_visit(visit: OnboardingVisit) -> None:
    """Save, turning a constraint violation that slipped past `full_clean()` (two people booking
    the same slot at once) into a message."""
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError as error:
        logger.info("onboarding: booking refused by a constraint: %s", type(error).__name__)
        raise ValidationError(
            "Someone booked this slot or this patient a moment ago. Check the day view and "
            "choose another time.",
            code="taken",
        ) from error


def _queue_email(visit: OnboardingVisit, kind: str) -> Notification:
    """Write the email to the outbox with the change it announces; it is built from the visit
    as it stands when sent (`patients.outbox`)."""
    return outbox.queue_email(kind=kind, subject_id=visit.pk)


@transaction.atomic
def schedule_visit(
    *,
    patient: Patient,
    site: Site,
    starts_at: datetime,
    staff_member: User,
    scheduled_by: User,
) -> OnboardingVisit:
    """Book the face-to-face first visit and email the invitation. Booking the same slot again
    for the same patient (a double submit) returns the existing visit."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.user_id is not None:
        raise ValidationError("This patient already has a portal account.", code="has_account")
    if patient.onboarding_visits.completed().exists():
        raise ValidationError(
            "This patient has already completed their first visit.", code="completed"
        )
    open_visit = patient.onboarding_visits.open().first()
    if open_visit is not None:
        if (open_visit.site_id, open_visit.starts_at, open_visit.staff_member_id) == (
            site.pk,
            starts_at,
            staff_member.pk,
        ):
            return open_visit
        raise ValidationError(
            "This patient already has an onboarding visit booked. Reschedule that one instead.",
            code="already_booked",
        )
    _check_slot(starts_at)
    _check_bookable(staff_member, site)
    visit = OnboardingVisit(
        patient=patient,
        site=site,
        starts_at=starts_at,
        staff_member=staff_member,
        scheduled_by=scheduled_by,
    )
    visit.full_clean()
    _save_visit(visit)
    _queue_email(visit, NotificationKind.ONBOARDING_INVITATION)
    return visit


@transaction.atomic
def reschedule_visit(
    *, visit: OnboardingVisit, site: Site, starts_at: datetime, staff_member: User, by: User
) -> OnboardingVisit:
    """Move a scheduled visit; the patient is emailed when the time or place changes."""
    visit = _lock_visit(visit)
    if visit.status != VisitStatus.SCHEDULED:
        raise ValidationError(
            "Only a visit that has not started yet can be rescheduled.", code="state"
        )
    moved = (visit.site_id, visit.starts_at) != (site.pk, starts_at)
    if not moved and visit.staff_member_id == staff_member.pk:
        return visit
    _check_slot(starts_at)
    _check_bookable(staff_member, site)
    visit.site, visit.starts_at, visit.staff_member = site, starts_at, staff_member
    visit.full_clean()
    _save_visit(visit)
    if moved:
        _queue_email(visit, NotificationKind.ONBOARDING_RESCHEDULED)
    logger.info("onboarding: visit %s rescheduled by user %s", visit.pk, by.pk)
    return visit


@transaction.atomic
def cancel_visit(*, visit: OnboardingVisit, reason: str, by: User) -> OnboardingVisit:
    """Cancel a visit that has not been completed. Its activation codes stop working, and a
    patient who was only booked (not at the desk) is emailed."""
    visit = _lock_visit(visit)
    if visit.status == VisitStatus.CANCELLED:
        return visit
    if not visit.is_open:
        raise ValidationError("This visit can no longer be cancelled.", code="state")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"cancellation_reason": "Say why the visit is cancelled."})
    was_scheduled = visit.status == VisitStatus.SCHEDULED
    now = timezone.now()
    visit.status = VisitStatus.CANCELLED
    visit.cancelled_at, visit.cancelled_by, visit.cancellation_reason = now, by, reason
    visit.full_clean()
    visit.save()
    visit.activation_codes.live().update(voided_at=now, voided_by=by)
    if was_scheduled:
        _queue_email(visit, NotificationKind.ONBOARDING_CANCELLED)
    return visit


@transaction.atomic
def mark_no_show(*, visit: OnboardingVisit, by: User) -> OnboardingVisit:
    visit = _lock_visit(visit)
    if visit.status == VisitStatus.NO_SHOW:
        return visit
    if visit.status != VisitStatus.SCHEDULED:
        raise ValidationError("Only a booked visit can be marked as missed.", code="state")
    if visit.starts_at > timezone.now():
        raise ValidationError(
            "This visit has not started yet; it cannot be marked as missed.", code="early"
        )
    visit.status = VisitStatus.NO_SHOW
    visit.no_show_at, visit.no_show_marked_by = timezone.now(), by
    visit.save()
    return visit


@transaction.atomic
def check_in(*, visit: OnboardingVisit, by: User) -> OnboardingVisit:
    """The patient is at the desk. (Early or late arrivals are checked in too.)"""
    visit = _lock_visit(visit)
    if visit.status == VisitStatus.CHECKED_IN:
        return visit
    if visit.status != VisitStatus.SCHEDULED:
        raise ValidationError("Only a booked visit can be checked in.", code="state")
    visit.status = VisitStatus.CHECKED_IN
    visit.checked_in_at, visit.checked_in_by = timezone.now(), by
    visit.save()
    return visit


@transaction.atomic
def verify_identity(*, visit: OnboardingVisit, document_type: str, by: User) -> OnboardingVisit:
    """Record who checked which kind of photo ID, and when. The document's number is never
    asked for or stored."""
    visit = _lock_visit(visit)
    if visit.identity_verified:
        return visit
    if visit.status != VisitStatus.CHECKED_IN:
        raise ValidationError("Check the patient in before the identity check.", code="state")
    if document_type not in IdentityDocument.values:
        raise ValidationError({"document_type": "Choose the kind of document you checked."})
    visit.identity_document = document_type
    visit.identity_verified_at, visit.identity_verified_by = timezone.now(), by
    visit.full_clean()
    visit.save()
    return visit


@transaction.atomic
def record_checklist_item(
    *, visit: OnboardingVisit, item: str, outcome: str | None, by: User
) -> OnboardingChecklistEntry | None:
    """Tick one item of the tools introduction as explained or declined (stamped with who and
    when), or clear it with `outcome=None`. Only while the patient is checked in."""
    visit = _lock_visit(visit)
    if visit.status != VisitStatus.CHECKED_IN:
        raise ValidationError(
            "The checklist can be changed only while the patient is checked in.", code="state"
        )
    if item not in ChecklistItem.values:
        raise ValidationError("Unknown checklist item.", code="item")
    if outcome is None:
        visit.checklist_items.filter(item=item).delete()
        return None
    if outcome not in ChecklistOutcome.values:
        raise ValidationError("Unknown checklist outcome.", code="outcome")
    entry, _ = OnboardingChecklistEntry.objects.update_or_create(
        visit=visit,
        item=item,
        defaults={"outcome": outcome, "recorded_by": by, "recorded_at": timezone.now()},
    )
    return entry


@transaction.atomic
def complete_visit(*, visit: OnboardingVisit, by: User) -> OnboardingVisit:
    """Close the visit: only once identity is verified and every checklist item is ticked or
    declined. From then on the patient's activation code works."""
    visit = _lock_visit(visit)
    if visit.status == VisitStatus.COMPLETED:
        return visit
    if visit.status != VisitStatus.CHECKED_IN:
        raise ValidationError("Only a visit in progress can be completed.", code="state")
    missing = visit.missing_for_completion()
    if missing:
        raise ValidationError(
            "The visit is not complete yet. Still to record: " + "; ".join(missing) + ".",
            code="incomplete",
        )
    visit.status = VisitStatus.COMPLETED
    visit.completed_at, visit.completed_by = timezone.now(), by
    visit.full_clean()
    visit.save()
    return visit


# --- Activation codes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    activation_code: ActivationCode
    plain: str  # shown once on the handout; never stored, never logged


@transaction.atomic
def issue_activation_code(
    *, visit: OnboardingVisit, issued_by: User, issue_token: uuid.UUID | None = None
) -> IssuedCode:
    """Issue a portal activation code after the identity check. Any earlier live code of the
    patient is voided (a reissue). Raises `CodeAlreadyIssued` when `issue_token` was used."""
    visit = _lock_visit(visit)
    patient = Patient.objects.select_for_update().get(pk=visit.patient_id)
    if issue_token is not None and ActivationCode.objects.filter(issue_token=issue_token).exists():
        raise CodeAlreadyIssued
    if not visit.identity_verified:
        raise ValidationError(
            "Verify the patient's identity before issuing an activation code.", code="identity"
        )
    if visit.status not in (VisitStatus.CHECKED_IN, VisitStatus.COMPLETED):
        raise ValidationError("This visit cannot issue activation codes.", code="state")
    if patient.user_id is not None:
        raise ValidationError(
            "This patient already has a portal account; they can reset their password from "
            "the sign-in page.",
            code="has_account",
        )
    now = timezone.now()
    ActivationCode.objects.filter(patient=patient).live().update(voided_at=now, voided_by=issued_by)
    while True:
        plain = generate_activation_code()
        code_hash = hash_activation_code(plain)
        if not ActivationCode.objects.filter(code_hash=code_hash).exists():
            break
    activation_code = ActivationCode(
        patient=patient,
        visit=visit,
        code_hash=code_hash,
        issue_token=issue_token,
        issued_by=issued_by,
        issued_at=now,
        expires_at=now + ACTIVATION_CODE_LIFETIME,
    )
    activation_code.full_clean()
    activation_code.save()
    return IssuedCode(activation_code=activation_code, plain=plain)


class CodeCheck:
    """Outcomes of checking a code and date of birth at /activate/."""

    OK = "ok"
    NO_MATCH = "no_match"  # unknown code, or the date of birth does not match: one message
    VISIT_NOT_COMPLETED = "visit_not_completed"
    HAS_ACCOUNT = "has_account"


@dataclass(frozen=True)
class CodeCheckResult:
    outcome: str
    activation_code: ActivationCode | None = None


@transaction.atomic
def check_activation_code(*, code: str, date_of_birth: date) -> CodeCheckResult:
    """Look a normalised code up by its hash and compare the date of birth. A wrong date of birth
    counts against the code, which locks after `ACTIVATION_CODE_MAX_FAILURES`: the count lives on
    the code's row, so it holds across processes. Spent, voided, expired and locked codes report
    their status; an unknown code and a wrong date of birth are indistinguishable."""
    activation_code = (
        ActivationCode.objects.select_for_update()
        .select_related("patient", "visit")
        .filter(code_hash=hash_activation_code(code))
        .first()
    )
    if activation_code is None:
        return CodeCheckResult(CodeCheck.NO_MATCH)
    status = activation_code.status
    if status != CodeStatus.USABLE:
        return CodeCheckResult(status, activation_code)
    if activation_code.patient.date_of_birth != date_of_birth:
        ActivationCode.objects.filter(pk=activation_code.pk).update(
            failed_attempts=F("failed_attempts") + 1
        )
        activation_code.refresh_from_db(fields=["failed_attempts"])
        if activation_code.failed_attempts >= ACTIVATION_CODE_MAX_FAILURES:
            activation_code.locked_at = timezone.now()
            activation_code.save(update_fields=["locked_at"])
            logger.warning("activation: code %s locked after failures", activation_code.pk)
        return CodeCheckResult(CodeCheck.NO_MATCH)
    if activation_code.patient.user_id is not None:
        return CodeCheckResult(CodeCheck.HAS_ACCOUNT, activation_code)
    if activation_code.visit.status != VisitStatus.COMPLETED:
        return CodeCheckResult(CodeCheck.VISIT_NOT_COMPLETED, activation_code)
    return CodeCheckResult(CodeCheck.OK, activation_code)


def email_in_use(email: str) -> bool:
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )


@transaction.atomic
def activate_account(*, activation_code: ActivationCode, email: str, password: str) -> User:
    """Create the patient's portal account from a checked code: the user (email unverified until
    they follow allauth's link), the patient role, the link to the patient record; the code is
    spent. Re-checks everything under row locks, so a double submit creates one account."""
    activation_code = (
        ActivationCode.objects.select_for_update()
        .select_related("visit")
        .get(pk=activation_code.pk)
    )
    if activation_code.status != CodeStatus.USABLE:
        raise ValidationError(
            "This activation code can no longer be used. Contact the clinic.",
            code=str(activation_code.status),
        )
    patient = Patient.objects.select_for_update().get(pk=activation_code.patient_id)
    if patient.user_id is not None:
        raise ValidationError("Your portal account exists already.", code="has_account")
    if activation_code.visit.status != VisitStatus.COMPLETED:
        raise ValidationError("Your first visit is not complete yet.", code="visit")
    email = User.objects.normalize_email(email.strip()).lower()
    if email_in_use(email):
        raise ValidationError(
            {"email": "This email address cannot be used for a new account. Use another one."}
        )
    candidate = User(email=email, first_name=patient.preferred_name, last_name=patient.legal_name)
    validate_password(password, user=candidate)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
    except IntegrityError as error:
        raise ValidationError(
            {"email": "This email address cannot be used for a new account. Use another one."}
        ) from error
    user.groups.add(Group.objects.get(name=Role.PATIENT))
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    patient.user = user
    patient.save(update_fields=["user"])
    activation_code.spent_at, activation_code.account = timezone.now(), user
    activation_code.save(update_fields=["spent_at", "account"])
    logger.info("activation: patient %s activated their portal account", patient.pk)
    return user


# --- First steps in the portal --------------------------------------------------------------------

STEPS_SESSION_KEY = "rapport_portal_steps_done"


def note_portal_step(request, item: str) -> None:
    """The signed-in patient used a tool of the introduction (opened their sharing page, their
    access log, ...). Written once per patient; the session remembers it, so later visits cost
    no query. Someone acting for the patient (a carer, a parent) does not tick their steps."""
    if getattr(request, "proxy_access", None) is not None:
        return
    done = request.session.get(STEPS_SESSION_KEY, [])
    if item in done:
        return
    PortalStep.objects.bulk_create(
        [PortalStep(patient=request.patient, item=item)], ignore_conflicts=True
    )
    request.session[STEPS_SESSION_KEY] = [*done, item]


# --- Fixes at the front desk ----------------------------------------------------------------------

# The details the front desk may correct, in the words the patient is told.
DETAIL_LABELS = {
    "legal_name": "legal name",
    "preferred_name": "preferred name",
    "date_of_birth": "date of birth",
    "email": "contact email address",
    "phone": "phone number",
    "preferred_language": "preferred language",
    "primary_physician": "primary physician",
    "site": "home site",
}
# A second invitation within this time is a double click, not a resend.
INVITATION_RESEND_GAP = timedelta(minutes=2)


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%-d %b at %H:%M}"


def _tell_patient(patient: Patient, *, by: User, at: datetime, what: str, link: str) -> None:
    """Tell a patient with an account, in the portal and by email, what the front desk did to
    their account ("On <when>, <who> at the front desk <what>"). No values, no health data."""
    outbox.notify(
        recipient_id=patient.user_id,
        kind=NotificationKind.GENERAL,
        message=f"On {_when(at)}, {by.display_name} at the front desk {what}",
        link=link,
        actor=by,
        event_at=at,
    )


@transaction.atomic
def update_patient_details(
    *,
    patient: Patient,
    by: User,
    legal_name: str,
    date_of_birth: date,
    email: str,
    site: Site,
    preferred_name: str = "",
    phone: str = "",
    preferred_language: str = "en",
    primary_physician: User | None = None,
) -> DetailsChange | None:
    """Correct a patient's details. What changed is recorded (which details, by whom, when) and
    a patient with a portal account is told which details changed, in the portal and by email
    (never the values). Returns None when nothing changed. The address the patient signs in
    with is theirs to change; this is the clinic's contact address."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if primary_physician is not None and primary_physician.role != Role.PHYSICIAN:
        raise ValidationError({"primary_physician": "Choose one of the clinic's physicians."})
    wanted = {
        "legal_name": _tidy(legal_name),
        "preferred_name": _tidy(preferred_name),
        "date_of_birth": date_of_birth,
        "email": email.strip(),
        "phone": _tidy(phone),
        "preferred_language": preferred_language,
        "primary_physician": primary_physician,
        "site": site,
    }
    changed = [name for name, value in wanted.items() if getattr(patient, name) != value]
    if not changed:
        return None
    for name in changed:
        setattr(patient, name, wanted[name])
    patient.full_clean()
    patient.save(update_fields=changed)
    now = timezone.now()
    labels = [DETAIL_LABELS[name] for name in changed]
    change = DetailsChange.objects.create(
        patient=patient, fields=labels, changed_by=by, changed_at=now
    )
    if patient.user_id is not None:
        _tell_patient(
            patient,
            by=by,
            at=now,
            what=(
                f"changed your details: {', '.join(labels)}. If this is not right, call "
                f"{settings.CLINIC_NAME} on {settings.CLINIC_PHONE}."
            ),
            link=reverse("portal:home"),
        )
    logger.info("patients: details of patient %s changed by user %s", patient.pk, by.pk)
    return change


@transaction.atomic
def resend_invitation(*, patient: Patient, by: User) -> Notification:
    """Email the invitation to the booked first visit again (to the contact address as it is
    now). Raises when there is no visit still to come, or one was sent a moment ago."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    visit = patient.onboarding_visits.filter(status=VisitStatus.SCHEDULED).first()
    if visit is None or visit.starts_at <= timezone.now():
        raise ValidationError(
            "There is no first visit still to come, so there is no invitation to send. Book "
            "the visit first.",
            code="no_visit",
        )
    recent = Notification.objects.filter(
        kind=NotificationKind.ONBOARDING_INVITATION,
        subject_id=visit.pk,
        created_at__gte=timezone.now() - INVITATION_RESEND_GAP,
    ).exists()
    if recent:
        raise ValidationError(
            "The invitation was sent a moment ago. Give it a few minutes to arrive.",
            code="recent",
        )
    logger.info("onboarding: invitation for visit %s sent again by user %s", visit.pk, by.pk)
    return _queue_email(visit, NotificationKind.ONBOARDING_INVITATION)


def has_two_step_verification(patient: Patient) -> bool:
    return (
        patient.user_id is not None
        and Authenticator.objects.filter(user_id=patient.user_id).exists()
    )


@transaction.atomic
def reset_two_step_verification(*, patient: Patient, by: User, document_type: str) -> TwoStepReset:
    """Remove two-step verification (authenticator app, backup codes, security keys) from a
    patient's account, after the front desk checked their photo ID in person. The patient is
    told at once, in the portal and by email, and can set it up again from Security."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if document_type not in IdentityDocument.values:
        raise ValidationError({"document_type": "Choose the photo ID you checked."})
    if patient.user_id is None:
        raise ValidationError("This patient has no portal account yet.", code="no_account")
    removed, _ = Authenticator.objects.filter(user_id=patient.user_id).delete()
    if not removed:
        raise ValidationError(
            "This patient's account has no two-step verification to reset.", code="none"
        )
    now = timezone.now()
    reset = TwoStepReset.objects.create(
        patient=patient, identity_document=document_type, reset_by=by, reset_at=now
    )
    _tell_patient(
        patient,
        by=by,
        at=now,
        what=(
            "turned off two-step verification on your account, after checking your photo ID in "
            "person. Set it up again from Security. If this was not you, call "
            f"{settings.CLINIC_NAME} on {settings.CLINIC_PHONE} at once."
        ),
        link=reverse("mfa_index"),
    )
    logger.info("patients: two-step verification of patient %s reset by user %s", patient.pk, by.pk)
    return reset
