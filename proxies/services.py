"""Writes about proxy access: linking a proxy in person, a patient's invitation and its in-person
check, ending access, power-of-attorney reviews, and the notices sent ahead of age rules and
reviews.

Who may do what is decided here, whatever page asks: the front desk links, confirms, declines and
reviews; a patient invites and ends the access of people acting for them; a proxy may stop acting.
A proxy never makes or ends anyone's access for the patient (no delegation). Every change is
written as a `ProxyChange` naming who made it, and the people concerned are told through the one
outbox: the patient (with a one-click way to end an access they did not make themselves) and the
proxy, when access starts and when it ends. Messages name people and dates, never health data.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy

from clinic.decorators import ONBOARDING_ROLES
from clinic.forms import start_of_day
from clinic.i18n import day_time_short, full_date, language_for_patient
from clinic.models import Role, User
from notifications.models import Notification, NotificationKind
from notifications.services import notify as notify_outbox
from notifications.services import queue_email
from patients.models import IdentityDocument, Patient, RecordCategory

from .models import (
    AgeNotice,
    AuthorityDocument,
    ProxyAccess,
    ProxyArea,
    ProxyAuthority,
    ProxyChange,
    ProxyChangeKind,
    ProxyRelationship,
    ProxyStatus,
)
from .rules import AgeStage, age_on, birthday_at

PARENTAL_DOCUMENTS = (AuthorityDocument.BIRTH_CERTIFICATE, AuthorityDocument.PARENTAL_ORDER)
ATTORNEY_DOCUMENTS = (AuthorityDocument.LASTING_POA, AuthorityDocument.COURT_DEPUTY)
# Relationships a patient may choose when inviting someone; an attorney is recorded by staff.
INVITABLE_RELATIONSHIPS = (
    ProxyRelationship.CARER,
    ProxyRelationship.FAMILY,
    ProxyRelationship.PARENT,
)
# A patient's invitations waiting for the in-person check, at most (a limit on mistakes and spam).
MAX_PENDING_INVITATIONS = 5
MAX_REASON = 300


def _in_language_of(patient: Patient | None):
    """Write a message in the language of the patient (or proxy, a patient too) who reads it:
    their recorded language, known without a query (unlike `clinic.i18n.in_language_of(user)`,
    which goes from the user to their patient row)."""
    return translation.override(language_for_patient(patient))


MESSAGE_LIMIT = Notification._meta.get_field("message").max_length


def notify(*, message: str, **fields) -> None:
    """Write to the outbox; long names can make a message longer than the outbox keeps, so it is
    shortened (the portal page it links to says it all)."""
    if len(message) > MESSAGE_LIMIT:
        message = message[: MESSAGE_LIMIT - 1] + "…"
    notify_outbox(message=message, **fields)


def is_front_desk(user: User) -> bool:
    return user.is_authenticated and user.role in ONBOARDING_ROLES


def _require_front_desk(user: User) -> None:
    if not is_front_desk(user):
        raise ValidationError("Only the front desk can do this, with the people in front of them.")


def _record(access: ProxyAccess, kind: str, by: User, at: dt.datetime, note: str = "") -> None:
    ProxyChange.objects.create(access=access, kind=kind, by=by, at=at, note=note[:MAX_REASON])


def _clean_areas(areas, record_categories) -> tuple[list[str], list[str]]:
    areas = [str(a) for a in areas or ()]
    categories = [str(c) for c in record_categories or ()]
    if not areas:
        raise ValidationError(
            {"areas": gettext_lazy("Choose at least one thing this person may do.")}
        )
    if any(a not in ProxyArea.values for a in areas):
        raise ValidationError({"areas": gettext_lazy("Choose from the list.")})
    if any(c not in RecordCategory.values for c in categories):
        raise ValidationError({"record_categories": gettext_lazy("Choose from the list.")})
    if ProxyArea.RECORD not in areas:
        categories = []
    ordered_areas = [a for a in ProxyArea.values if a in areas]
    ordered_categories = [c for c in RecordCategory.values if c in categories]
    return ordered_areas, ordered_categories


def _check_ends_at(ends_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if ends_at is None:
        raise ValidationError({"ends_at": gettext_lazy("Choose the date this access ends.")})
    if ends_at <= now:
        raise ValidationError({"ends_at": gettext_lazy("The end date must be in the future.")})
    return ends_at


def _age(patient: Patient, now: dt.datetime) -> int:
    return age_on(patient.date_of_birth, timezone.localdate(now))


def _lock_patient(patient: Patient) -> Patient:
    """Serialise changes to one patient's proxies (a double submit makes one access, not two)."""
    return Patient.objects.select_for_update().get(pk=patient.pk)


def _already_acting(patient: Patient, proxy: Patient, now: dt.datetime) -> bool:
    return ProxyAccess.objects.filter(
        patient=patient, proxy=proxy, status=ProxyStatus.ACTIVE, ends_at__gt=now
    ).exists()


def _check_proxy(patient: Patient, proxy: Patient | None, now: dt.datetime) -> None:
    if proxy is None:
        raise ValidationError(
            {"proxy": "Find the person on the register first (register them if they are new)."}
        )
    if proxy.pk == patient.pk:
        raise ValidationError({"proxy": "A person cannot act for themselves."})
    if _age(proxy, now) < settings.PROXY_CHILD_ALONE_FROM:
        raise ValidationError({"proxy": "A child cannot act for someone else."})
    if _already_acting(patient, proxy, now):
        raise ValidationError(
            {
                "proxy": f"{proxy.display_name} already acts for {patient.display_name}. End that "
                "access first to change what they may do."
            }
        )


# --- linking at the front desk -----------------------------------------------------------------


@transaction.atomic
def link_proxy(
    *,
    patient: Patient,
    proxy: Patient | None,
    linked_by: User,
    relationship: str,
    authority: str,
    areas=(),
    record_categories=(),
    include_sensitive: bool = False,
    notify_patient: bool = True,
    ends_at: dt.datetime | None = None,
    proxy_document: str = "",
    patient_document: str = "",
    authority_document: str = "",
    review_on: dt.date | None = None,
) -> ProxyAccess:
    """The front desk links a proxy to a patient at a visit where both are met: the proxy's photo
    ID is seen (and the patient's, when it is the patient's own choice); parental responsibility
    and a power of attorney need their document seen too. Takes effect at once."""
    _require_front_desk(linked_by)
    patient = _lock_patient(patient)
    now = timezone.now()
    _check_proxy(patient, proxy, now)
    if proxy_document not in IdentityDocument.values:
        raise ValidationError(
            {"proxy_document": "Say which photo ID of the proxy you saw in person."}
        )
    age = _age(patient, now)
    if authority == ProxyAuthority.PATIENT:
        if age < settings.PROXY_CHILD_ALONE_FROM:
            raise ValidationError(
                {
                    "authority": f"{patient.display_name} is under "
                    f"{settings.PROXY_CHILD_ALONE_FROM}: a parent is linked with parental "
                    "responsibility instead."
                }
            )
        if patient_document not in IdentityDocument.values:
            raise ValidationError(
                {
                    "patient_document": "The patient chooses this in person: say which photo ID "
                    "of theirs you saw."
                }
            )
        if relationship not in ProxyRelationship.values or relationship == "attorney":
            raise ValidationError({"relationship": "Choose carer, parent or family member."})
        areas, record_categories = _clean_areas(areas, record_categories)
        ends_at = _check_ends_at(ends_at, now)
        review_on, authority_document = None, ""
    elif authority == ProxyAuthority.PARENTAL:
        if age >= settings.PROXY_CHILD_ALONE_FROM:
            raise ValidationError(
                {
                    "authority": f"From {settings.PROXY_CHILD_ALONE_FROM} a young person decides "
                    "alone: they can choose a parent to help them, in person or in the portal."
                }
            )
        if authority_document not in PARENTAL_DOCUMENTS:
            raise ValidationError(
                {
                    "authority_document": "Say which document showing parental responsibility "
                    "you saw."
                }
            )
        areas, record_categories = _clean_areas(areas, record_categories)
        alone_from = start_of_day(
            birthday_at(patient.date_of_birth, settings.PROXY_CHILD_ALONE_FROM)
        )
        ends_at = min(_check_ends_at(ends_at, now), alone_from) if ends_at else alone_from
        relationship, review_on = ProxyRelationship.PARENT, None
    elif authority == ProxyAuthority.ATTORNEY:
        if age < settings.PROXY_CHILD_ALONE_FROM:
            raise ValidationError({"authority": "A power of attorney is recorded for adults only."})
        if authority_document not in ATTORNEY_DOCUMENTS:
            raise ValidationError(
                {"authority_document": "Say which power of attorney or court order you saw."}
            )
        if review_on is None or review_on <= timezone.localdate(now):
            raise ValidationError(
                {"review_on": "Choose the date, in the future, when this is reviewed."}
            )
        # Full access to an adult who cannot act for themselves, until it is ended; the review
        # date stops it if nobody reviews it.
        areas, record_categories = list(ProxyArea.values), []
        include_sensitive = True
        relationship = ProxyRelationship.ATTORNEY
        ends_at = ends_at if ends_at and ends_at > now else now + dt.timedelta(days=365 * 10)
    else:
        raise ValidationError({"authority": "Choose on whose authority this person acts."})

    access = ProxyAccess(
        patient=patient,
        proxy=proxy,
        relationship=relationship,
        authority=authority,
        authority_document=authority_document,
        areas=areas,
        record_categories=record_categories,
        include_sensitive=bool(include_sensitive),
        notify_patient=bool(notify_patient),
        status=ProxyStatus.ACTIVE,
        starts_at=now,
        ends_at=ends_at,
        review_on=review_on,
        requested_by=linked_by,
        requested_at=now,
        checked_by=linked_by,
        checked_at=now,
        proxy_document=proxy_document,
        patient_document=patient_document if authority == ProxyAuthority.PATIENT else "",
    )
    access.full_clean()
    access.save()
    _record(access, ProxyChangeKind.LINKED, linked_by, now)
    _tell_patient_started(access, by=linked_by)
    _tell_proxy_started(access)
    return access


# --- a patient's invitation and its in-person check --------------------------------------------


@transaction.atomic
def invite_proxy(
    *,
    patient: Patient,
    invited_by: User,
    name: str,
    email: str,
    relationship: str,
    areas=(),
    record_categories=(),
    include_sensitive: bool = False,
    ends_at: dt.datetime | None = None,
    notify_patient: bool = True,
) -> ProxyAccess:
    """An adult patient invites someone to help them. Nothing takes effect until the person comes
    to the clinic with photo ID and the front desk confirms it (`confirm_invitation`)."""
    if patient.user_id is None or invited_by.pk != patient.user_id:
        # Only the patient themselves: a proxy acting for them cannot invite others.
        raise ValidationError(gettext_lazy("Only the patient can invite someone to act for them."))
    patient = _lock_patient(patient)
    now = timezone.now()
    if _age(patient, now) < settings.PROXY_CHILD_ALONE_FROM:
        raise ValidationError(
            gettext_lazy("Ask at the front desk: for young patients a parent is linked in person.")
        )
    name = " ".join(str(name).split())
    if not name:
        raise ValidationError({"name": gettext_lazy("Enter the name of the person you invite.")})
    email = str(email).strip()
    if not email:
        raise ValidationError(
            {"email": gettext_lazy("Enter the email address of the person you invite.")}
        )
    if patient.email and email.lower() == patient.email.lower():
        raise ValidationError(
            {"email": gettext_lazy("This is your own email address: enter theirs.")}
        )
    if relationship not in INVITABLE_RELATIONSHIPS:
        raise ValidationError(
            {"relationship": gettext_lazy("Choose carer, parent or family member.")}
        )
    areas, record_categories = _clean_areas(areas, record_categories)
    ends_at = _check_ends_at(ends_at, now)
    pending = ProxyAccess.objects.filter(patient=patient, status=ProxyStatus.PENDING)
    if pending.filter(invited_email__iexact=email).exists():
        raise ValidationError(
            {
                "email": gettext_lazy(
                    "You have already invited this person; the invitation is waiting."
                )
            }
        )
    if pending.count() >= MAX_PENDING_INVITATIONS:
        raise ValidationError(
            ngettext_lazy(
                "You have %(count)d invitation waiting. Cancel it before inviting someone else.",
                "You have %(count)d invitations waiting. Cancel one before inviting someone else.",
                "count",
            ),
            params={"count": MAX_PENDING_INVITATIONS},
        )
    access = ProxyAccess(
        patient=patient,
        invited_name=name,
        invited_email=email,
        relationship=relationship,
        authority=ProxyAuthority.PATIENT,
        areas=areas,
        record_categories=record_categories,
        include_sensitive=bool(include_sensitive),
        notify_patient=bool(notify_patient),
        status=ProxyStatus.PENDING,
        starts_at=now,
        ends_at=ends_at,
        requested_by=invited_by,
        requested_at=now,
    )
    access.full_clean()
    access.save()
    _record(access, ProxyChangeKind.INVITED, invited_by, now)
    return access


def _load_pending(access: ProxyAccess) -> ProxyAccess:
    access = ProxyAccess.objects.select_for_update().get(pk=access.pk)
    if access.status != ProxyStatus.PENDING:
        raise ValidationError(
            f"This invitation is no longer waiting: it is {access.get_status_display().lower()}."
        )
    return access


@transaction.atomic
def confirm_invitation(
    *, access: ProxyAccess, proxy: Patient | None, confirmed_by: User, proxy_document: str
) -> ProxyAccess:
    """The invited person is at the front desk: their identity is checked in person and their
    register entry linked. The access takes effect now."""
    _require_front_desk(confirmed_by)
    _lock_patient(access.patient)
    access = _load_pending(access)
    now = timezone.now()
    _check_proxy(access.patient, proxy, now)
    if proxy_document not in IdentityDocument.values:
        raise ValidationError({"proxy_document": "Say which photo ID you saw in person."})
    if access.ends_at <= now:
        raise ValidationError(
            "The end date the patient chose has passed: the patient needs to invite them again."
        )
    access.proxy = proxy
    access.proxy_document = proxy_document
    access.checked_by, access.checked_at = confirmed_by, now
    access.status = ProxyStatus.ACTIVE
    access.starts_at = now
    access.full_clean()
    access.save()
    _record(access, ProxyChangeKind.CONFIRMED, confirmed_by, now)
    _tell_patient_started(access, by=confirmed_by)
    _tell_proxy_started(access)
    return access


@transaction.atomic
def decline_invitation(*, access: ProxyAccess, declined_by: User, reason: str) -> ProxyAccess:
    """The front desk declines a patient's invitation (the person's identity could not be
    checked, say). The patient is told; the invitation can be made again."""
    _require_front_desk(declined_by)
    access = _load_pending(access)
    reason = " ".join(str(reason).split())[:MAX_REASON]
    if not reason:
        raise ValidationError({"reason": "Say why, for the patient."})
    now = timezone.now()
    access.status = ProxyStatus.DECLINED
    access.ended_at, access.ended_by, access.end_reason = now, declined_by, reason
    access.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
    _record(access, ProxyChangeKind.DECLINED, declined_by, now, reason)
    with _in_language_of(access.patient):
        message = gettext(
            "The front desk could not confirm your invitation of %(name)s on %(when)s, so it "
            "has not taken effect. Their reason is on your sharing page."
        ) % {"name": access.proxy_name, "when": day_time_short(now)}
    _tell_patient(
        access,
        kind=NotificationKind.PROXY_FOR_YOU_ENDED,
        message=message,
        link=reverse("portal:sharing") + "#people-acting",
    )
    return access


# --- ending ------------------------------------------------------------------------------------


def who_may_end(access: ProxyAccess, user: User) -> str:
    """ "patient", "proxy" or "staff" when `user` may end this access, else "". A patient ends the
    accesses they chose themselves; parental responsibility and a power of attorney are ended at
    the front desk (the age rules end a parent's access on their own). Another proxy of the same
    patient never may."""
    if not user.is_authenticated:
        return ""
    if is_front_desk(user):
        return "staff"
    if access.proxy_id is not None and access.proxy.user_id == user.pk:
        return "proxy"
    if access.patient.user_id == user.pk and access.authority == ProxyAuthority.PATIENT:
        return "patient"
    return ""


@transaction.atomic
def end_proxy_access(*, access: ProxyAccess, ended_by: User, reason: str = "") -> ProxyAccess:
    """End an access (or withdraw an invitation) now, by the patient, by the proxy stopping, or by
    the front desk. Takes effect on the next request. Whoever did not end it is told."""
    access = (
        ProxyAccess.objects.select_for_update(of=("self",))
        .select_related("patient", "proxy")
        .get(pk=access.pk)
    )
    who = who_may_end(access, ended_by)
    if not who:
        raise ValidationError(gettext_lazy("You cannot end this access."))
    if access.status not in (ProxyStatus.ACTIVE, ProxyStatus.PENDING):
        raise ValidationError(gettext_lazy("This access has already ended."))
    reason = " ".join(str(reason).split())[:MAX_REASON]
    if who == "staff" and not reason:
        raise ValidationError({"reason": "Say why, for the patient and the proxy."})
    now = timezone.now()
    was_active = access.status == ProxyStatus.ACTIVE
    access.status = ProxyStatus.ENDED
    access.ended_at, access.ended_by, access.end_reason = now, ended_by, reason
    access.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
    _record(access, ProxyChangeKind.ENDED, ended_by, now, reason)
    if not was_active:
        return access  # an invitation withdrawn: nobody else was acting on it
    names = {"name": access.proxy_name, "patient": access.patient.display_name}
    if who != "patient":
        with _in_language_of(access.patient):
            if who == "proxy":
                text = gettext(
                    "%(name)s no longer acts for you from %(when)s (ended at their request)."
                )
            else:
                text = gettext(
                    "%(name)s no longer acts for you from %(when)s (ended by the front desk)."
                )
            message = text % {**names, "when": day_time_short(now)}
        _tell_patient(
            access,
            kind=NotificationKind.PROXY_FOR_YOU_ENDED,
            message=message,
            link=reverse("portal:sharing") + "#people-acting",
        )
    if who != "proxy":
        with _in_language_of(access.proxy):
            if who == "patient":
                text = gettext(
                    "You no longer act for %(patient)s from %(when)s (ended by %(patient)s)."
                )
            else:
                text = gettext(
                    "You no longer act for %(patient)s from %(when)s (ended by the front desk)."
                )
            message = text % {**names, "when": day_time_short(now)}
        _tell_proxy(
            access,
            kind=NotificationKind.PROXY_ACTING_ENDED,
            message=message,
            link=reverse("portal:helping"),
        )
    return access


# --- power of attorney reviews -----------------------------------------------------------------


@transaction.atomic
def record_poa_review(
    *, access: ProxyAccess, reviewed_by: User, review_on: dt.date | None, note: str = ""
) -> ProxyAccess:
    """Staff reviewed a power of attorney: the next review date moves on. (If the review found it
    no longer valid, staff end the access instead.)"""
    _require_front_desk(reviewed_by)
    access = ProxyAccess.objects.select_for_update().get(pk=access.pk)
    if access.authority != ProxyAuthority.ATTORNEY:
        raise ValidationError("Only a power of attorney is reviewed.")
    if access.status != ProxyStatus.ACTIVE:
        raise ValidationError("This access has ended.")
    if review_on is None or review_on <= timezone.localdate():
        raise ValidationError({"review_on": "Choose the next review date, in the future."})
    now = timezone.now()
    previous = access.review_on
    access.review_on = review_on
    access.save(update_fields=["review_on"])
    note = " ".join(str(note).split())
    summary = f"Next review {review_on:%Y-%m-%d} (was {previous:%Y-%m-%d})." if previous else ""
    _record(access, ProxyChangeKind.REVIEWED, reviewed_by, now, f"{summary} {note}".strip())
    return access


# --- telling people ----------------------------------------------------------------------------


def _tell_patient(access: ProxyAccess, *, kind: str, message: str, link: str) -> None:
    """In the portal and by email, or by email alone while the patient has no portal account."""
    if access.patient.user_id:
        notify(recipient_id=access.patient.user_id, kind=kind, message=message, link=link)
    else:
        queue_email(kind=kind, subject_id=access.pk)


def _tell_proxy(access: ProxyAccess, *, kind: str, message: str, link: str) -> None:
    if access.proxy is None:
        return
    if access.proxy.user_id:
        notify(recipient_id=access.proxy.user_id, kind=kind, message=message, link=link)
    else:
        queue_email(kind=kind, subject_id=access.pk)


def _tell_patient_started(access: ProxyAccess, *, by: User) -> None:
    """Read back to the patient what was made on their behalf, with a one-click way to end it
    when it is theirs to end."""
    with _in_language_of(access.patient):
        if access.authority == ProxyAuthority.PATIENT:
            text = gettext(
                "%(staff)s recorded in person on %(when)s that %(name)s, as your "
                "%(relationship)s, can act for you in the portal until %(day)s. Not what you "
                "agreed? End it here."
            )
            link = reverse("portal:proxy_end", args=[access.pk])
        else:
            text = gettext(
                "%(staff)s recorded in person on %(when)s that %(name)s, as your "
                "%(relationship)s, can act for you in the portal until %(day)s. See what they "
                "may do."
            )
            link = reverse("portal:sharing") + "#people-acting"
        message = text % {
            "staff": by.display_name,
            "when": day_time_short(access.checked_at),
            "name": access.proxy_name,
            "relationship": access.relationship_word,
            "day": full_date(access.last_day),
        }
    _tell_patient(access, kind=NotificationKind.PROXY_FOR_YOU_STARTED, message=message, link=link)


def _tell_proxy_started(access: ProxyAccess) -> None:
    with _in_language_of(access.proxy):
        message = gettext(
            "You can now act for %(patient)s in the portal, as their %(relationship)s, until "
            "%(day)s."
        ) % {
            "patient": access.patient.display_name,
            "relationship": access.relationship_word,
            "day": full_date(access.last_day),
        }
    _tell_proxy(
        access,
        kind=NotificationKind.PROXY_ACTING_STARTED,
        message=message,
        link=reverse("portal:helping"),
    )


# --- notices ahead of age rules and reviews (beat, daily) --------------------------------------

AGE_CHANGES = (
    (AgeStage.LIMITED, "PROXY_CHILD_FULL_UNTIL"),
    (AgeStage.ALONE, "PROXY_CHILD_ALONE_FROM"),
)


def _age_text_to_parent(access: ProxyAccess, change: str, on: dt.date) -> str:
    """What changes and when, in the parent's language; no health data."""
    with _in_language_of(access.proxy):
        if change == AgeStage.LIMITED:
            text = gettext(
                "%(child)s turns %(age)s on %(day)s. From then on you will no longer see entries "
                "marked sensitive in %(child)s's record, or %(child)s's sharing choices."
            )
            age = settings.PROXY_CHILD_FULL_UNTIL
        else:
            text = gettext(
                "%(child)s turns %(age)s on %(day)s. From then on %(child)s uses the portal alone "
                "and your access ends, unless %(child)s invites you back."
            )
            age = settings.PROXY_CHILD_ALONE_FROM
        return text % {"child": access.patient.display_name, "age": age, "day": full_date(on)}


def _age_text_to_child(access: ProxyAccess, change: str, on: dt.date) -> str:
    """What changes and when, in the young person's language; no health data."""
    with _in_language_of(access.patient):
        if change == AgeStage.LIMITED:
            text = gettext(
                "You turn %(age)s on %(day)s. From then on %(name)s will no longer see entries "
                "marked sensitive in your record, or your sharing choices."
            )
            age = settings.PROXY_CHILD_FULL_UNTIL
        else:
            text = gettext(
                "You turn %(age)s on %(day)s. From then on only you use your portal: "
                "%(name)s's access ends, unless you invite them back."
            )
            age = settings.PROXY_CHILD_ALONE_FROM
        return text % {"name": access.proxy_name, "age": age, "day": full_date(on)}


@transaction.atomic
def send_age_notices(*, today: dt.date | None = None) -> int:
    """Before each age rule changes what a parent sees, tell the parent and the young person (if
    they have a portal account), once per access and change, from PROXY_AGE_NOTICE_DAYS before
    the birthday until the day before it. Returns how many changes were announced."""
    today = today or timezone.localdate()
    window = dt.timedelta(days=settings.PROXY_AGE_NOTICE_DAYS)
    accesses = (
        ProxyAccess.objects.filter(
            authority=ProxyAuthority.PARENTAL,
            status=ProxyStatus.ACTIVE,
            proxy__isnull=False,
            ends_at__gt=timezone.now(),
        )
        .with_people()
        .select_related("patient__user")
    )
    announced = 0
    for access in accesses:
        for change, setting in AGE_CHANGES:
            on = birthday_at(access.patient.date_of_birth, getattr(settings, setting))
            if not (on - window <= today < on):
                continue
            if access.ends_at < start_of_day(on):
                continue  # the access ends before the change: nothing to announce
            notice, created = AgeNotice.objects.get_or_create(
                access=access,
                change=change,
                defaults={"takes_effect_on": on, "sent_at": timezone.now()},
            )
            if not created:
                continue
            if access.proxy.user_id:
                notify(
                    recipient_id=access.proxy.user_id,
                    kind=NotificationKind.PROXY_AGE_NOTICE,
                    message=_age_text_to_parent(access, change, on),
                    link=reverse("portal:helping"),
                )
            if access.patient.user_id:
                notify(
                    recipient_id=access.patient.user_id,
                    kind=NotificationKind.PROXY_AGE_NOTICE,
                    message=_age_text_to_child(access, change, on),
                    link=reverse("portal:sharing") + "#people-acting",
                )
            announced += 1
    return announced


@transaction.atomic
def send_review_notices(*, today: dt.date | None = None) -> int:
    """PROXY_AGE_NOTICE_DAYS before a power of attorney's review date, tell the front desk and
    the attorney, once per review date. Returns how many accesses were announced."""
    today = today or timezone.localdate()
    last_day = today + dt.timedelta(days=settings.PROXY_AGE_NOTICE_DAYS)
    accesses = (
        ProxyAccess.objects.select_for_update(of=("self",))
        .filter(
            authority=ProxyAuthority.ATTORNEY,
            status=ProxyStatus.ACTIVE,
            proxy__isnull=False,
            review_on__gte=today,
            review_on__lte=last_day,
        )
        .with_people()
    )
    front_desk = list(
        User.objects.filter(is_active=True, staff_profile__role=Role.FRONT_DESK).values_list(
            "pk", flat=True
        )
    )
    announced = 0
    for access in accesses:
        if access.review_notice_for == access.review_on:
            continue
        with translation.override(settings.LANGUAGE_CODE):  # staff read English
            staff_day = full_date(access.review_on)
        for staff_id in front_desk:
            notify(
                recipient_id=staff_id,
                kind=NotificationKind.PROXY_REVIEW_DUE,
                message=f"The power of attorney under which {access.proxy_name} acts for "
                f"{access.patient.display_name} is due for review on {staff_day}.",
                link=reverse("staff:onboarding_patient", args=[access.patient_id])
                + "#carers-title",
            )
        if access.proxy.user_id:
            with _in_language_of(access.proxy):
                message = gettext(
                    "Your power of attorney for %(patient)s is due for review by the clinic on "
                    "%(day)s. After that date your access stops until it is reviewed: please "
                    "contact the front desk."
                ) % {"patient": access.patient.display_name, "day": full_date(access.review_on)}
            notify(
                recipient_id=access.proxy.user_id,
                kind=NotificationKind.PROXY_REVIEW_DUE,
                message=message,
                link=reverse("portal:helping"),
            )
        access.review_notice_for = access.review_on
        access.save(update_fields=["review_notice_for"])
        announced += 1
    return announced
