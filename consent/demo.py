"""Demo consent: a care team, grants, an access request and a little history (called by
`manage.py seed_demo`; idempotent). The entries themselves come from `records/demo.py`."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.utils import timezone

from accesslog.chain import append_event
from accesslog.models import AccessAction, AccessBasis, AccessEvent, AccessTarget
from patients.models import RecordCategory

from . import services
from .models import (
    AccessRequest,
    CareTeam,
    ConsentGrant,
    GivenVia,
    Purpose,
    Scope,
)


def seed(context: dict, stdout) -> None:
    rivera = context["staff"]["dr.rivera"]
    chen = context["staff"]["dr.chen"]
    patients = context["patients"]
    team = CareTeam.objects.filter(name="Diabetes care team").first()
    if team is None:
        group = Group.objects.create(name="care team: Diabetes care team")
        group.user_set.add(rivera, chen)
        team = CareTeam.objects.create(
            name="Diabetes care team",
            description="Dr Rivera, Dr Chen and the diabetes nurses",
            group=group,
        )

    # Demo data follows the product's rules: Maria shared in her portal after activating it; Tom's
    # first visit is today and not held yet, so he has shared nothing (the front desk records his
    # choice at the visit, in person).
    maria = patients["maria"]
    if not ConsentGrant.objects.filter(patient=maria).exists():
        services.grant_consent(
            patient=maria,
            recorded_by=maria.user,
            given_via=GivenVia.PORTAL,
            grantee_user=rivera,
            scope=Scope.RECORD,
            purpose=Purpose.TREATMENT,
        )
        services.grant_consent(
            patient=maria,
            recorded_by=maria.user,
            given_via=GivenVia.PORTAL,
            grantee_user=chen,
            scope=Scope.CATEGORY,
            category=RecordCategory.LAB_RESULT,
            purpose=Purpose.CARE_COORDINATION,
            expires_at=timezone.now() + dt.timedelta(days=90),
        )
    if not AccessRequest.objects.filter(patient=maria, physician=chen).exists():
        services.request_access(
            physician=chen,
            patient=maria,
            scope=Scope.CATEGORY,
            category=RecordCategory.MEDICATION,
            purpose=Purpose.TREATMENT,
            message="I would like to check your medicines before your cardiology appointment.",
        )
    if not AccessEvent.objects.filter(patient=maria).exists():
        grant = ConsentGrant.objects.filter(patient=maria, grantee_user=rivera).first()
        append_event(
            patient=maria,
            actor=rivera,
            action=AccessAction.VIEW,
            target=AccessTarget.RECORD,
            basis=AccessBasis.GRANT,
            grant=grant,
            purpose=grant.purpose_text,
            occurred_at=timezone.now() - dt.timedelta(days=2),
        )
    stdout.write("Demo consent grants and an access request are in place.")
