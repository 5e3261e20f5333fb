"""The access log's part of the navigation (see clinic/extensions.py)."""

from __future__ import annotations

from clinic.models import Role

NAV_ITEMS = [(30, "Access log", "portal:access_log", (Role.PATIENT,))]
