"""The export's part of the patient's home page (see clinic/extensions.py). The onboarding
checklist's "download a copy of your data" step lives in patients.navigation."""

from __future__ import annotations

from django.urls import reverse

from patients.models import Patient


def portal_sections(patient: Patient) -> list[dict]:
    return [
        {
            "title": "Your data, yours to take",
            "text": "Take a copy of your record, who you share it with and your access log.",
            "links": [
                {
                    "label": "Download your data as a FHIR file",
                    "url": reverse("portal:export_fhir"),
                    "hint": "for another clinic's or an app's systems",
                },
                {
                    "label": "Open a printable summary",
                    "url": reverse("portal:export_summary"),
                    "hint": "to read, print or save as PDF",
                },
            ],
        }
    ]
