"""Demo record entries (called by `manage.py seed_demo`; idempotent: a patient with any entry is
left alone). Written through the same service as a physician's new entry, so every grant in force
covers them."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from patients.models import RecordCategory, RecordEntry, Sensitivity

from .services import create_record_entry

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
    stdout.write("Demo records are in place.")
