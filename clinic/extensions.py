"""Per-app contributions to shared pages, collected without the clinic app knowing each feature.

Each app may have a `navigation.py` module defining any of:

- `NAV_ITEMS`: list of `(order, label, url_name, roles)` for the main navigation;
- `staff_steps(user) -> list[dict]`: next steps on the staff home (`label`, `url`, optional `hint`);
- `portal_steps(patient) -> list[dict]`: first steps on the patient's home (`label`, `url`, `done`);
- `nav_badges(user) -> dict[url_name, (count, label)]`: counts shown next to navigation items.

and a `demo.py` module with `seed(context, stdout)` called by `manage.py seed_demo`.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType

FEATURE_APPS = ("patients", "consent", "education", "feedback")


@cache
def app_modules(name: str) -> tuple[ModuleType, ...]:
    found = []
    for app in FEATURE_APPS:
        try:
            found.append(importlib.import_module(f"{app}.{name}"))
        except ModuleNotFoundError as error:
            if error.name != f"{app}.{name}":
                raise
    return tuple(found)


def collect(name: str, attribute: str) -> list:
    return [
        getattr(module, attribute) for module in app_modules(name) if hasattr(module, attribute)
    ]
