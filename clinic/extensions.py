"""Per-app contributions to shared pages, collected without the clinic app knowing each feature.

Each app may have a `navigation.py` module defining any of:

- `NAV_ITEMS`: list of `(order, label, url_name, roles)` for the main navigation;
- `staff_steps(user) -> list[dict]`: next steps on the staff home (`label`, `url`, optional `hint`);
- `portal_figures(*, patient_id, user_id, now, month_start) -> dict[str, expression]`: counts
  and other single values the app's parts of the patient's home need, as named subqueries (names
  start with the app's label; `count_of` makes a count); the home reads every app's figures and
  the navigation badges in one query (`patients.views.home_figures`) and passes the row, as
  `figures`, to the four below;
- `portal_steps(patient, figures) -> list[dict]`: first steps on the patient's home (`label`,
  `url`, `done`);
- `portal_notices(patient, figures) -> list[dict]`: what the patient must see first on their home
  page (`title`, `text`, `url`, `link_text`);
- `portal_sections(patient, figures) -> list[dict]`: sections of links on the patient's home page
  (`title`, `text`, `links`: list of `label`, `url`, optional `hint`);
- `portal_summary(patient, figures) -> list[dict]`: figures at the top of the patient's home
  telling them where they stand (`order`, `label`, `value`, optional `detail`, `url`,
  `link_text`, `alert`);
- `nav_badges(user) -> dict[url_name, (queryset, label)]`: the rows counted next to navigation
  items (every badge of a page is counted in one query);
- `staff_patient_sections(patient) -> list[dict]`: sections added to the front desk's page of a
  patient (`template`, rendered with the dict as `section`);
- `in_person_choices(patient) -> list[str]`: choices the patient made in person, shown on their
  onboarding visit's page;
- `access_event_marks(patient, event_ids) -> dict[event_id, dict]`: a mark (`label`, `url`) shown
  on rows of the patient's access log instead of "I don't recognise this", e.g. "Concern open";
- `page_context(request, badges) -> dict`: variables every page's template gets (e.g. whose
  record the page shows), from the request and the badge counts, without a query of its own;
- `handout_items() -> list[dict]`: what the activation handout also hands over in person
  (`title`, `text`, `value`, optional `qr_svg`: an SVG drawing of `value` made by our own code);

an `outbox.py` module with `EMAIL_BUILDERS = {kind: build(notification)}` for the emails of the
kinds it writes to the outbox without a recipient account (see `notifications.delivery`), and a
`demo.py` module with `seed(context, stdout)` called by `manage.py seed_demo`.

This is how a lower app shows what a higher one adds without importing it: the layers (README,
"Architecture"; `pyproject.toml`, import-linter) stay one-way.
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value

# In layer order, lowest first: steps and demo data follow it.
FEATURE_APPS = (
    "notifications",
    "patients",
    "proxies",
    "accesslog",
    "consent",
    "records",
    "exports",
    "education",
    "feedback",
    "trust",
)


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


def count_of(queryset: QuerySet, field: str = "pk") -> Subquery:
    """How many distinct `field`s `queryset` has, as a subquery: for `portal_figures`, whose
    counts are all read in one query."""
    return Subquery(
        queryset.order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Count(field, distinct=True))
        .values("n")[:1],
        output_field=IntegerField(),
    )
