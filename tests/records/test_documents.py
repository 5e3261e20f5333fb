"""Record documents: checked by content, size-limited, stored privately under a random name, and
sent only through the permission-checked views."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accesslog.models import AccessAction, AccessEvent
from patients.models import RecordCategory, RecordEntry
from tests.factories import MINIMAL_JPEG, MINIMAL_PDF, MINIMAL_PNG, grant

PRIVATE_ROOT = Path(settings.PRIVATE_MEDIA_ROOT)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


def stored_files() -> set[Path]:
    return {path for path in PRIVATE_ROOT.rglob("*") if path.is_file()}


@pytest.fixture
def doctor(client, patient, physician):
    grant(patient, physician)
    client.force_login(physician)
    return client


def upload(doctor, patient, document, **overrides):
    data = {
        "category": RecordCategory.DOCUMENT,
        "title": "Scanned referral",
        "body": "From the hospital",
        "recorded_on": timezone.localdate().isoformat(),
        "document": document,
    }
    data.update(overrides)
    return doctor.post(f"/staff/patients/{patient.pk}/entries/new/", data)


def test_document_field_is_a_multipart_upload(doctor, patient):
    page = doctor.get(f"/staff/patients/{patient.pk}/entries/new/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" name="document"' in page


@pytest.mark.parametrize(
    ("name", "content", "content_type", "expected_type", "extension"),
    [
        ("referral.pdf", MINIMAL_PDF, "application/pdf", "application/pdf", "pdf"),
        ("x-ray.png", MINIMAL_PNG, "image/png", "image/png", "png"),
        ("rash.jpg", MINIMAL_JPEG, "image/jpeg", "image/jpeg", "jpg"),
        # The browser's content type and the name's extension are ignored: the bytes decide.
        ("rash.jpeg", MINIMAL_JPEG, "application/octet-stream", "image/jpeg", "jpg"),
        ("photo.pdf", MINIMAL_PNG, "application/pdf", "image/png", "png"),
    ],
)
def test_pdf_png_and_jpeg_are_accepted_by_content(
    doctor, patient, physician, name, content, content_type, expected_type, extension
):
    response = upload(doctor, patient, SimpleUploadedFile(name, content, content_type))
    assert response.status_code == 302
    entry = RecordEntry.objects.get(patient=patient, title="Scanned referral")
    assert entry.author == physician
    assert entry.document_type == expected_type
    assert entry.document_size == len(content)
    assert entry.document_name == f"{name.rsplit('.', 1)[0]}.{extension}"
    assert re.fullmatch(
        rf"record-documents/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}\.{extension}", (entry.document.name)
    )
    assert Path(entry.document.path).read_bytes() == content


def test_stored_file_is_private_and_randomly_named(doctor, patient):
    upload(doctor, patient, SimpleUploadedFile("Maria Santos HIV result.pdf", MINIMAL_PDF))
    entry = RecordEntry.objects.get(title="Scanned referral")
    path = Path(entry.document.path).resolve()
    assert path.is_relative_to(PRIVATE_ROOT.resolve())
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    for folder in settings.STATICFILES_DIRS:
        assert not path.is_relative_to(Path(folder).resolve())
    if settings.MEDIA_ROOT:
        assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert "Maria" not in path.name and "HIV" not in path.name
    with pytest.raises(ValueError):
        entry.document.url  # noqa: B018 - private documents have no URL


def test_two_uploads_of_the_same_name_get_different_files(doctor, patient):
    upload(doctor, patient, SimpleUploadedFile("scan.pdf", MINIMAL_PDF))
    upload(doctor, patient, SimpleUploadedFile("scan.pdf", MINIMAL_PDF), title="Second scan")
    names = set(RecordEntry.objects.values_list("document", flat=True))
    assert len(names) == 2


REFUSED = {
    "ELF executable renamed scan.pdf": ("scan.pdf", ELF, "application/pdf"),
    "Windows executable renamed scan.pdf": ("scan.pdf", WINDOWS_EXE, "application/pdf"),
    "HTML page renamed photo.png": ("photo.png", b"<html><script>alert(1)</script>", "image/png"),
    "SVG renamed picture.jpg": ("picture.jpg", b"<svg onload=alert(1)>", "image/jpeg"),
    "ZIP renamed letter.pdf": ("letter.pdf", b"PK\x03\x04" + b"\x00" * 100, "application/pdf"),
    "shell script renamed result.pdf": ("result.pdf", b"#!/bin/sh\nrm -rf /\n", "application/pdf"),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_other_files_are_refused_whatever_their_name(doctor, patient, case):
    name, content, content_type = REFUSED[case]
    before = stored_files()
    response = upload(doctor, patient, SimpleUploadedFile(name, content, content_type))
    assert response.status_code == 200
    assert "Upload a PDF, PNG or JPEG file. This file is of another type." in (
        response.content.decode()
    )
    assert not RecordEntry.objects.filter(title="Scanned referral").exists()
    assert stored_files() == before


def test_oversized_file_is_refused(doctor, patient, settings):
    settings.RECORD_DOCUMENT_MAX_BYTES = 1024
    before = stored_files()
    big = MINIMAL_PDF + b"%" * 2048
    response = upload(doctor, patient, SimpleUploadedFile("big.pdf", big, "application/pdf"))
    assert response.status_code == 200
    assert "The file is too large." in response.content.decode()
    assert not RecordEntry.objects.filter(title="Scanned referral").exists()
    assert stored_files() == before


def test_file_at_the_size_limit_is_accepted(doctor, patient, settings):
    content = MINIMAL_PDF + b"%" * 100
    settings.RECORD_DOCUMENT_MAX_BYTES = len(content)
    response = upload(doctor, patient, SimpleUploadedFile("ok.pdf", content, "application/pdf"))
    assert response.status_code == 302


def test_empty_file_is_refused(doctor, patient):
    response = upload(doctor, patient, SimpleUploadedFile("empty.pdf", b"", "application/pdf"))
    assert response.status_code == 200
    assert "The submitted file is empty." in response.content.decode()
    assert not RecordEntry.objects.filter(title="Scanned referral").exists()


def test_document_category_needs_a_file(doctor, patient):
    response = upload(doctor, patient, "")
    assert response.status_code == 200
    assert "Attach the document." in response.content.decode()
    assert not RecordEntry.objects.exists()


def test_files_attach_only_to_document_entries(doctor, patient):
    response = upload(
        doctor,
        patient,
        SimpleUploadedFile("scan.pdf", MINIMAL_PDF),
        category=RecordCategory.VISIT_NOTE,
    )
    assert response.status_code == 200
    assert "Attach files only to entries of the Document category." in response.content.decode()
    assert not RecordEntry.objects.exists()


def test_physician_who_cannot_write_cannot_upload(client, patient, physician, record):
    grant(patient, physician, scope="entry", entry=record["lab"])
    client.force_login(physician)
    before = stored_files()
    response = upload(client, patient, SimpleUploadedFile("scan.pdf", MINIMAL_PDF))
    assert response.status_code == 404
    assert not RecordEntry.objects.filter(title="Scanned referral").exists()
    assert stored_files() == before


# --- downloading --------------------------------------------------------------------------------


@pytest.fixture
def uploaded(doctor, patient) -> RecordEntry:
    assert upload(doctor, patient, SimpleUploadedFile("referral.pdf", MINIMAL_PDF)).status_code
    return RecordEntry.objects.get(title="Scanned referral")


def assert_safe_download(response, *, filename: str, content_type: str, content: bytes) -> None:
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == content


def test_physician_downloads_through_the_checked_view(doctor, patient, physician, uploaded):
    response = doctor.get(f"/staff/patients/{patient.pk}/entries/{uploaded.pk}/document/")
    assert_safe_download(
        response, filename="referral.pdf", content_type="application/pdf", content=MINIMAL_PDF
    )
    event = AccessEvent.objects.get(actor=physician, entry=uploaded)
    assert event.action == AccessAction.DOWNLOAD


def test_patient_downloads_their_own_document(client, patient_user, uploaded):
    client.force_login(patient_user)
    response = client.get(f"/portal/records/{uploaded.pk}/document/")
    assert_safe_download(
        response, filename="referral.pdf", content_type="application/pdf", content=MINIMAL_PDF
    )


def test_entry_page_links_the_download(doctor, patient, uploaded):
    page = doctor.get(f"/staff/patients/{patient.pk}/entries/{uploaded.pk}/").content.decode()
    assert f"/staff/patients/{patient.pk}/entries/{uploaded.pk}/document/" in page


def test_entry_without_a_document_has_no_download(doctor, patient, record):
    url = f"/staff/patients/{patient.pk}/entries/{record['lab'].pk}/document/"
    assert doctor.get(url).status_code == 404


def test_download_name_carries_the_extension_of_the_real_type(doctor, patient):
    """A file renamed to look like something else is saved by the browser under a name that
    matches its content, so it cannot be opened as a web page on the user's computer."""
    upload(doctor, patient, SimpleUploadedFile("letter.html", MINIMAL_PDF, "text/html"))
    entry = RecordEntry.objects.get(title="Scanned referral")
    response = doctor.get(f"/staff/patients/{patient.pk}/entries/{entry.pk}/document/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="letter.pdf"'


@pytest.mark.parametrize("prefix", ["/media/", "/private-media/", "/static/", "/"])
def test_stored_files_are_not_served_by_path(doctor, uploaded, prefix):
    response = doctor.get(prefix + uploaded.document.name)
    assert response.status_code == 404


def test_refused_download_leaves_no_access_event(doctor, patient, record):
    before = AccessEvent.objects.count()
    doctor.get(f"/staff/patients/{patient.pk}/entries/{record['lab'].pk}/document/")
    assert AccessEvent.objects.count() == before
