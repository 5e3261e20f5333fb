"""A small record for Maria (the `patient` persona) and one entry of Thomas's (`other_patient`),
with titles and bodies distinct enough to search the rendered pages for. The `record` and
`author` fixtures are offered to every test module by `tests/conftest.py`."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from clinic.models import Role
from patients.models import RecordCategory, RecordEntry
from tests.factories import RecordEntryFactory, StaffFactory, pdf_upload

# key: (category, title, body, sensitive)
MARIA_ENTRIES = {
    "lab": (RecordCategory.LAB_RESULT, "Cholesterol panel", "LDL cholesterol 3.1 mmol/L", False),
    "note": (
        RecordCategory.VISIT_NOTE,
        "Knee pain follow-up",
        "Physiotherapy twice a week advised",
        False,
    ),
    "sensitive": (
        RecordCategory.VISIT_NOTE,
        "Counselling session",
        "Low mood discussed; therapy referral",
        True,
    ),
    "document": (
        RecordCategory.DOCUMENT,
        "Discharge letter",
        "Letter from the orthopaedic ward",
        False,
    ),
}
ALL_KEYS = frozenset(MARIA_ENTRIES)
THOMAS_TITLE = "Peanut allergy"
THOMAS_BODY = "Anaphylaxis after a satay meal"


@dataclass
class Record:
    entries: dict[str, RecordEntry]
    other: RecordEntry

    def __getitem__(self, key: str) -> RecordEntry:
        return self.entries[key]

    @property
    def document(self) -> RecordEntry:
        return self.entries["document"]


@pytest.fixture
def author(db, site):
    return StaffFactory(role=Role.PHYSICIAN, display_name="Dr K. Author", site=site)


@pytest.fixture
def record(patient, other_patient, author) -> Record:
    entries = {}
    for key, (category, title, body, sensitive) in MARIA_ENTRIES.items():
        entries[key] = RecordEntryFactory(
            patient=patient,
            author=author,
            category=category,
            title=title,
            body=body,
            sensitive=sensitive,
            document=pdf_upload() if category == RecordCategory.DOCUMENT else None,
        )
    other = RecordEntryFactory(
        patient=other_patient,
        author=author,
        category=RecordCategory.ALLERGY,
        title=THOMAS_TITLE,
        body=THOMAS_BODY,
    )
    return Record(entries=entries, other=other)
