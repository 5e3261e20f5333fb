"""The dashboard's place in the navigation (see clinic/extensions.py)."""

from clinic.models import Role

NAV_ITEMS = [(30, "Trust", "staff:trust", (Role.PRIVACY_OFFICER, Role.ADMIN))]
