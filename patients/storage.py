"""Record documents live outside every publicly served path and have no URL: they are sent only
by a view that checks consent and writes the access event."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:
        raise ValueError("Private documents have no public URL.")


def private_storage() -> PrivateStorage:
    return PrivateStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)
