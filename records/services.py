"""Writing record entries."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from clinic.models import User
from consent.services import sync_entry_permissions
from patients.models import Patient, RecordEntry

from .documents import check_document


@transaction.atomic
def create_record_entry(
    *,
    patient: Patient,
    author: User,
    category: str,
    title: str,
    body: str,
    recorded_on: dt.date,
    sensitive: bool = False,
    sensitivity: str = "",
    document: UploadedFile | None = None,
) -> RecordEntry:
    """Add an entry to a record and extend every grant that covers it to the new entry."""
    entry = RecordEntry(
        patient=patient,
        author=author,
        category=category,
        title=title.strip(),
        body=body.strip(),
        recorded_on=recorded_on,
        sensitive=sensitive,
        sensitivity=sensitivity if sensitive else "",
    )
    if document is not None:
        content_type, extension = check_document(document)
        # The download name keeps the uploader's words but takes the extension of the real
        # type, so a renamed file is never saved as e.g. .html on the reader's computer.
        stem = (document.name or "").rsplit(".", 1)[0] or "document"
        entry.document_name = f"{stem[-190:]}.{extension}"
        entry.document_type = content_type
        entry.document_size = document.size
        # Stored under a random name: nothing about the patient or content on disk.
        document.name = f"{uuid.uuid4().hex}.{extension}"
        entry.document = document
    entry.full_clean(exclude=["document"])
    entry.save()
    sync_entry_permissions(patient)
    return entry
