"""Demo patients for `manage.py seed_demo`: Maria (activated, with her completed first visit), Tom
booked for today and Amina later this week. Idempotent: existing patients and visits are kept."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from clinic.models import Role, User
from clinic.services import mark_email_verified

from .codes import generate_activation_code, hash_activation_code
from .models import (
    ACTIVATION_CODE_LIFETIME,
    ActivationCode,
    ChecklistItem,
    ChecklistOutcome,
    IdentityDocument,
    Language,
    OnboardingChecklistEntry,
    OnboardingVisit,
    Patient,
    VisitStatus,
    slot_times,
)

PATIENTS = [
    # email, password (None: not activated yet), legal name, preferred, dob, language, physician
    (
        "maria",
        "demo patient passphrase 2026",
        "Maria Santos",
        "",
        date(1984, 3, 14),
        Language.SPANISH,
        "dr.rivera",
    ),
    ("tom", None, "Thomas Whitfield", "Tom", date(1957, 11, 2), Language.ENGLISH, "dr.rivera"),
    ("amina", None, "Amina Yusuf", "", date(1999, 7, 21), Language.ENGLISH, "dr.chen"),
]


def _patient(email: str, legal, preferred, dob, language, physician: User, site) -> Patient:
    patient = Patient.objects.filter(email=email).first()
    if patient is None:
        patient = Patient.objects.create(
            legal_name=legal,
            preferred_name=preferred,
            date_of_birth=dob,
            email=email,
            phone="+1 555 0199",
            preferred_language=language,
            primary_physician=physician,
            site=site,
        )
    return patient


def _account(patient: Patient, email: str, password: str) -> None:
    if patient.user_id:
        return
    user = User.objects.create_user(email=email, password=password)
    user.groups.add(Group.objects.get(name=Role.PATIENT))
    mark_email_verified(user)
    patient.user = user
    patient.save(update_fields=["user"])


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _next_slot_today() -> datetime:
    """The next bookable slot today, or the last one if the clinic day is over."""
    today, now = timezone.localdate(), timezone.now()
    starts = [_at(today, h, m) for h, m in slot_times()]
    return next((s for s in starts if s > now), starts[-1])


def _visit(patient: Patient, **fields) -> OnboardingVisit:
    visit = OnboardingVisit(patient=patient, **fields)
    visit.full_clean()
    visit.save()
    return visit


def _completed_visit_for(patient: Patient, site, front_desk) -> None:
    day = timezone.localdate() - timedelta(days=10)
    starts_at = _at(day, 10)
    visit = _visit(
        patient,
        site=site,
        starts_at=starts_at,
        staff_member=front_desk,
        scheduled_by=front_desk,
        scheduled_at=starts_at - timedelta(days=7),
        status=VisitStatus.COMPLETED,
        checked_in_at=starts_at - timedelta(minutes=5),
        checked_in_by=front_desk,
        identity_verified_at=starts_at + timedelta(minutes=2),
        identity_verified_by=front_desk,
        identity_document=IdentityDocument.PASSPORT,
        completed_at=starts_at + timedelta(minutes=28),
        completed_by=front_desk,
    )
    for minutes, item in enumerate(ChecklistItem, start=6):
        OnboardingChecklistEntry.objects.create(
            visit=visit,
            item=item,
            # Maria preferred to look at the data export at home.
            outcome=ChecklistOutcome.DECLINED
            if item == ChecklistItem.EXPORT
            else ChecklistOutcome.EXPLAINED,
            recorded_by=front_desk,
            recorded_at=starts_at + timedelta(minutes=minutes * 3),
        )
    issued_at = starts_at + timedelta(minutes=4)
    # A code that was used: the plain code is thrown away, as it is after printing the handout.
    ActivationCode.objects.create(
        patient=patient,
        visit=visit,
        code_hash=hash_activation_code(generate_activation_code()),
        issued_by=front_desk,
        issued_at=issued_at,
        expires_at=issued_at + ACTIVATION_CODE_LIFETIME,
        spent_at=starts_at + timedelta(hours=3) if patient.user_id else None,
        account=patient.user,
    )


def seed(context: dict, stdout) -> None:
    sites, staff, patients = context["sites"], context["staff"], context["patients"]
    email = context["email"]
    for local, password, legal, preferred, dob, language, physician in PATIENTS:
        patient = _patient(
            email(local), legal, preferred, dob, language, staff[physician], sites[0]
        )
        patients[local] = patient
        if password:
            _account(patient, email(local), password)
            context["accounts"].append(("Patient", patient.user.email, password, ""))
    front_desk = staff["frontdesk"]
    maria, tom, amina = patients["maria"], patients["tom"], patients["amina"]

    if not maria.onboarding_visits.exists():
        _completed_visit_for(maria, sites[0], front_desk)
    if not tom.onboarding_visits.exists():
        _visit(
            tom,
            site=sites[0],
            starts_at=_next_slot_today(),
            staff_member=front_desk,
            scheduled_by=front_desk,
        )
    if not amina.onboarding_visits.exists():
        _visit(
            amina,
            site=sites[1],
            starts_at=_at(timezone.localdate() + timedelta(days=3), 14),
            staff_member=front_desk,
            scheduled_by=front_desk,
        )

    tom_visit = tom.onboarding_visits.order_by("-starts_at").first()
    stdout.write(
        "Onboarding: Maria's first visit is complete; Tom is booked "
        f"{timezone.localtime(tom_visit.starts_at):%A %d %B at %H:%M} at {tom_visit.site.name} "
        "(see /staff/onboarding/ as the front desk)."
    )
