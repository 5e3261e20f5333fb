"""Navigation per role. Each entry: (label, url name, roles that see it)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .models import Role

STAFF = (Role.FRONT_DESK, Role.PHYSICIAN, Role.PRIVACY_OFFICER, Role.ADMIN)

NAVIGATION: list[tuple[str, str, tuple[str, ...]]] = [
    ("Home", "portal:home", (Role.PATIENT,)),
    ("Staff home", "staff:home", STAFF),
    ("Django admin", "admin:index", (Role.ADMIN,)),
    ("Security", "mfa_index", (Role.PATIENT, *STAFF)),
]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    items = []
    for label, url_name, roles in NAVIGATION:
        if role not in roles:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        current = request.path == url or (
            url not in ("/", "/portal/", "/staff/") and request.path.startswith(url)
        )
        items.append({"label": label, "url": url, "current": current})
    return {
        "nav_items": items,
        "user_role": role,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
    }
