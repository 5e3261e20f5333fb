"""Record documents: what an upload may be, and how a document leaves the server."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404

from patients.models import RecordEntry

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


def document_response(entry: RecordEntry) -> FileResponse:
    """The entry's document as a download that no browser will render or run in our origin."""
    if not entry.document:
        raise Http404("This entry has no document.")
    response = FileResponse(
        entry.document.open("rb"),
        as_attachment=True,
        filename=entry.document_name or f"document.{entry.document.name.rsplit('.', 1)[-1]}",
        content_type=entry.document_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
