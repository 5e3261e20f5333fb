"""The access log's part of the navigation and of the activation handout (see
clinic/extensions.py)."""

from __future__ import annotations

import segno
from django.conf import settings
from django.urls import reverse

from clinic.models import Role

from .keys import trusted_keys

NAV_ITEMS = [(30, "Access log", "portal:access_log", (Role.PATIENT,))]


def handout_items() -> list[dict]:
    """The fingerprint of the key that signs the access log's checkpoints, handed over face to
    face: with it the patient can check a proof bundle without trusting our website."""
    fingerprint = trusted_keys()[0].fingerprint
    base = settings.PORTAL_BASE_URL.rstrip("/")
    return [
        {
            "title": "Checking your access log yourself",
            "text": "Every look at your record is written to a log that our key signs. You can "
            f"check it on your own computer (see {base}{reverse('transparency:index')}). The key's "
            "fingerprint "
            "must be this one:",
            "value": fingerprint,
            "qr_svg": segno.make(fingerprint, error="m").svg_inline(scale=3, title=fingerprint),
        }
    ]
