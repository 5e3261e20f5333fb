"""The export's part of the patient's home page (see clinic/extensions.py). The onboarding
checklist's "download a copy of your data" step lives in patients.navigation."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext

from patients.models import Patient


def portal_sections(patient: Patient, figures: dict) -> list[dict]:
    return [
        {
            "title": gettext("Your data, yours to take"),
            "text": gettext(
                "Take a copy of your record, who you share it with and your access log."
            ),
            "links": [
                {
                    "label": gettext("Download your data as a FHIR file"),
                    "url": reverse("portal:export_fhir"),
                    "hint": gettext("for another clinic's or an app's systems"),
                },
                {
                    "label": gettext("Open a printable summary"),
                    "url": reverse("portal:export_summary"),
                    "hint": gettext("to read, print or save as PDF"),
                },
            ],
        }
    ]
