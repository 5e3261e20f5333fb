"""Demo carers and parents (called by `manage.py seed_demo` after the patients; idempotent): Tom's
daughter Emma is his carer, and Daniel is the parent of nine-year-old Sofia. Both proxies were met
at their own first visit and have portal logins; the front desk linked them in person."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from patients.demo import _account, _at, _patient, _visit
from patients.models import IdentityDocument, Language, Patient, VisitStatus

from . import services
from .models import (
    AuthorityDocument,
    ProxyAccess,
    ProxyArea,
    ProxyAuthority,
    ProxyRelationship,
)

CARER_PASSWORD = "demo carer passphrase 2026"
PARENT_PASSWORD = "demo parent passphrase 2026"


def _nine_years_old() -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - 9, day=1) - dt.timedelta(days=120)


def _met_in_person(person: Patient, site, front_desk, days_ago: int) -> None:
    """Their own first visit, held: "we meet you first" applies to proxies too."""
    starts_at = _at(timezone.localdate() - dt.timedelta(days=days_ago), 15)
    _visit(
        person,
        site=site,
        starts_at=starts_at,
        staff_member=front_desk,
        scheduled_by=front_desk,
        scheduled_at=starts_at - dt.timedelta(days=7),
        status=VisitStatus.COMPLETED,
        checked_in_at=starts_at - dt.timedelta(minutes=5),
        checked_in_by=front_desk,
        identity_verified_at=starts_at + dt.timedelta(minutes=2),
        identity_verified_by=front_desk,
        identity_document=IdentityDocument.DRIVING_LICENCE,
        completed_at=starts_at + dt.timedelta(minutes=25),
        completed_by=front_desk,
    )


def _proxy(
    context: dict, local: str, password: str, legal: str, dob: dt.date, days_ago: int
) -> Patient:
    email = context["email"](local)
    physician = context["staff"]["dr.rivera"]
    person = _patient(email, legal, "", dob, Language.ENGLISH, physician, context["sites"][0])
    if not person.onboarding_visits.exists():
        _met_in_person(person, context["sites"][0], context["staff"]["frontdesk"], days_ago)
    _account(person, email, password)
    return person


def seed(context: dict, stdout) -> None:
    front_desk = context["staff"]["frontdesk"]
    tom = context["patients"]["tom"]
    emma = _proxy(context, "emma", CARER_PASSWORD, "Emma Whitfield", dt.date(1986, 6, 9), 6)
    daniel = _proxy(context, "daniel", PARENT_PASSWORD, "Daniel Reyes", dt.date(1988, 2, 17), 8)
    sofia = _patient(
        context["email"]("sofia"),
        "Sofia Reyes",
        "",
        _nine_years_old(),
        Language.ENGLISH,
        context["staff"]["dr.rivera"],
        context["sites"][0],
    )
    context["patients"].update({"emma": emma, "daniel": daniel, "sofia": sofia})

    if not ProxyAccess.objects.filter(patient=tom, proxy=emma).exists():
        services.link_proxy(
            patient=tom,
            proxy=emma,
            linked_by=front_desk,
            relationship=ProxyRelationship.CARER,
            authority=ProxyAuthority.PATIENT,
            areas=[ProxyArea.RECORD, ProxyArea.ACCESS_LOG, ProxyArea.EDUCATION],
            ends_at=timezone.now() + dt.timedelta(days=365),
            proxy_document=IdentityDocument.DRIVING_LICENCE,
            patient_document=IdentityDocument.PASSPORT,
        )
    if not ProxyAccess.objects.filter(patient=sofia, proxy=daniel).exists():
        services.link_proxy(
            patient=sofia,
            proxy=daniel,
            linked_by=front_desk,
            relationship=ProxyRelationship.PARENT,
            authority=ProxyAuthority.PARENTAL,
            authority_document=AuthorityDocument.BIRTH_CERTIFICATE,
            areas=list(ProxyArea.values),
            proxy_document=IdentityDocument.PASSPORT,
        )
    for label, person, password in (
        ("Carer", emma, CARER_PASSWORD),
        ("Parent", daniel, PARENT_PASSWORD),
    ):
        context["accounts"].append((label, person.user.email, password, ""))
    stdout.write(
        "Carers: Emma Whitfield (emma@) is her father Tom's carer; Daniel Reyes (daniel@) is the "
        "parent of nine-year-old Sofia. Both see them under 'People you help'."
    )
