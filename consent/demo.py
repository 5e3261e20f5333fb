"""Demo records, consent and a little history (called by `manage.py seed_demo`; idempotent)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from patients.models import RecordCategory, RecordEntry, Sensitivity
from patients.records import create_record_entry

from . import services
from .audit import append_event
from .models import (
    AccessAction,
    AccessBasis,
    AccessEvent,
    AccessRequest,
    AccessTarget,
    CareTeam,
    ConsentGrant,
    GivenVia,
    Purpose,
    Scope,
)

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

ENTRIES = {
    "maria": [
        (
            RecordCategory.VISIT_NOTE,
            "Annual check-up",
            "Blood pressure 128/82. Feeling well. "
            "Discussed exercise and sleep. Next check-up in a year.",
            200,
            False,
            "",
        ),
        (
            RecordCategory.LAB_RESULT,
            "HbA1c",
            "HbA1c 6.1% (43 mmol/mol): slightly above the normal range. Repeat in 3 months.",
            190,
            False,
            "",
        ),
        (
            RecordCategory.LAB_RESULT,
            "Cholesterol panel",
            "Total cholesterol 5.2 mmol/L, LDL 3.1 mmol/L, HDL 1.4 mmol/L.",
            120,
            False,
            "",
        ),
        (
            RecordCategory.MEDICATION,
            "Metformin 500 mg",
            "One tablet twice a day with meals.",
            185,
            False,
            "",
        ),
        (RecordCategory.ALLERGY, "Penicillin", "Rash after amoxicillin in 2009.", 400, False, ""),
        (
            RecordCategory.IMMUNIZATION,
            "Influenza vaccine",
            "Seasonal influenza vaccine, left arm.",
            60,
            False,
            "",
        ),
        (
            RecordCategory.VISIT_NOTE,
            "Counselling session",
            "Talked about stress at work; agreed on a follow-up in four weeks.",
            30,
            True,
            Sensitivity.MENTAL_HEALTH,
        ),
        (
            RecordCategory.DOCUMENT,
            "Discharge letter",
            "Letter from Millbrook General Hospital.",
            90,
            False,
            "",
        ),
    ],
    "tom": [
        (
            RecordCategory.VISIT_NOTE,
            "Knee pain review",
            "Osteoarthritis of the right knee. Physiotherapy referral.",
            45,
            False,
            "",
        ),
        (
            RecordCategory.MEDICATION,
            "Paracetamol 1 g",
            "Up to four times a day when needed.",
            45,
            False,
            "",
        ),
    ],
    "amina": [
        (RecordCategory.IMMUNIZATION, "Hepatitis B, dose 1", "First dose of three.", 20, False, ""),
    ],
}


def seed(context: dict, stdout) -> None:
    rivera = context["staff"]["dr.rivera"]
    chen = context["staff"]["dr.chen"]
    front_desk = context["staff"]["frontdesk"]
    patients = context["patients"]
    today = timezone.localdate()

    for local, entries in ENTRIES.items():
        patient = patients[local]
        if RecordEntry.objects.filter(patient=patient).exists():
            continue
        for category, title, body, days_ago, sensitive, sensitivity in entries:
            document = None
            if category == RecordCategory.DOCUMENT:
                document = SimpleUploadedFile(
                    "discharge-letter.pdf", MINIMAL_PDF, "application/pdf"
                )
            create_record_entry(
                patient=patient,
                author=rivera,
                category=category,
                title=title,
                body=body,
                recorded_on=today - dt.timedelta(days=days_ago),
                sensitive=sensitive,
                sensitivity=sensitivity,
                document=document,
            )

    team = CareTeam.objects.filter(name="Diabetes care team").first()
    if team is None:
        group = Group.objects.create(name="care team: Diabetes care team")
        group.user_set.add(rivera, chen)
        team = CareTeam.objects.create(
            name="Diabetes care team",
            description="Dr Rivera, Dr Chen and the diabetes nurses",
            group=group,
        )

    maria, tom = patients["maria"], patients["tom"]
    if not ConsentGrant.objects.filter(patient=maria).exists():
        services.grant_consent(
            patient=maria,
            recorded_by=front_desk,
            given_via=GivenVia.IN_PERSON,
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
    if not ConsentGrant.objects.filter(patient=tom).exists():
        services.grant_consent(
            patient=tom,
            recorded_by=front_desk,
            given_via=GivenVia.IN_PERSON,
            grantee_user=rivera,
            scope=Scope.RECORD,
            purpose=Purpose.TREATMENT,
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
    stdout.write("Demo records, consent grants and an access request are in place.")
