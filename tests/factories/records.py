"""Record entries and uploaded documents."""

from __future__ import annotations

import datetime as dt

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from patients.models import RecordCategory, RecordEntry, Sensitivity
from records.services import create_record_entry

from .clinic import StaffFactory
from .patients import PatientFactory

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
MINIMAL_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
MINIMAL_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


def pdf_upload(name: str = "discharge-letter.pdf", content: bytes = MINIMAL_PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class RecordEntryFactory(factory.django.DjangoModelFactory):
    """A record entry written by `create_record_entry`, so existing grants cover it at once.
    `sensitive=True` picks a sensitivity; pass `document=pdf_upload()` for a document."""

    class Meta:
        model = RecordEntry

    patient = factory.SubFactory(PatientFactory)
    author = factory.SubFactory(StaffFactory)
    category = RecordCategory.VISIT_NOTE
    title = factory.Sequence(lambda n: f"Entry title {n}")
    body = factory.Sequence(lambda n: f"Entry body text {n}")
    recorded_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7))
    sensitive = False
    sensitivity = factory.LazyAttribute(lambda o: Sensitivity.MENTAL_HEALTH if o.sensitive else "")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return create_record_entry(**kwargs)
