"""Writing record entries and checking uploaded documents."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from clinic.models import User

from .models import Patient, RecordEntry

# Leading bytes of the formats we accept. The file name and the browser's content type are
# ignored: both are chosen by the uploader.
SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
]


def sniff_document_type(upload: UploadedFile) -> tuple[str, str]:
    """Return (content type, extension) from the file's content, or raise ValidationError."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    raise ValidationError("Upload a PDF, PNG or JPEG file. This file is of another type.")


def check_document(upload: UploadedFile) -> tuple[str, str]:
    limit = settings.RECORD_DOCUMENT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(f"The file is too large. The limit is {limit // (1024 * 1024)} MB.")
    if upload.size == 0:
        raise ValidationError("The file is empty.")
    return sniff_document_type(upload)


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
    from consent.services import sync_entry_permissions

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
