"""Navigation per role, assembled from each app's `navigation.NAV_ITEMS`."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Func, Subquery
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from .extensions import collect
from .middleware import idle_limit_for
from .models import STAFF_ROLES, Role, User
from .prepared import INT, PreparedQuery

STAFF = tuple(STAFF_ROLES)
HOME_URLS = ("/", "/portal/", "/staff/")
# The idle warning comes this long before the idle sign-out (WCAG 2.2.1: at least 20 seconds).
IDLE_WARNING_SECONDS = 120

# (order, label, url name, roles that see it)
NAV_ITEMS: list[tuple[int, str, str, tuple[str, ...]]] = [
    (0, _("Home"), "portal:home", (Role.PATIENT,)),
    (0, "Staff home", "staff:home", STAFF),
    (90, _("Security"), "mfa_index", (Role.PATIENT, *STAFF)),
    (95, "Django admin", "admin:index", (Role.ADMIN,)),
]


def _wanted_badges(user) -> dict:
    """{url name: (queryset to count, label)} from every app's `nav_badges`."""
    wanted: dict = {}
    for badge_function in collect("navigation", "nav_badges"):
        wanted.update(badge_function(user))
    return wanted


def _badge_counts(wanted: dict) -> dict:
    """Each badge's count as a subquery, named `badge_<n>` in the order of `wanted`."""
    return {
        f"badge_{index}": Subquery(
            queryset.order_by().annotate(rows=Func(F("pk"), function="COUNT")).values("rows")
        )
        for index, (queryset, _label) in enumerate(wanted.values())
    }


def _counts_query(user_id: int, wanted: dict):
    """One row: each badge's count, as `badge_<n>` in the order of `wanted`."""
    return User.objects.filter(pk=user_id).values(**_badge_counts(wanted))[:1]


def badge_subqueries(role: str | None, user_id: int, patient_id: int | None) -> dict:
    """The navigation badges of a person of this role as subqueries (`badge_<n>`), for a page
    that reads its own figures in one query with them (the patient's home); the row it reads
    goes to `badges_from_row`, and the page sets `request.navigation_badges` to that."""
    return _badge_counts(_wanted_badges(_stand_in(role, user_id, patient_id)))


def badges_from_row(role: str | None, with_patient: bool, row: dict) -> dict:
    """{url name: (count, label)} from a row holding `badge_subqueries`' counts."""
    labels = _badges_for(role, with_patient).labels
    return {
        url_name: (row.get(f"badge_{index}") or 0, label)
        for index, (url_name, label) in enumerate(labels)
    }


def _stand_in(role: str | None, user_id: int, patient_id: int | None) -> User:
    """A user of this role with these ids, for the apps' `nav_badges` to build their queries on."""
    user = User(pk=user_id)
    user.__dict__["role"] = role  # the cached property, without the profile it comes from
    patient_model = User._meta.get_field("patient").related_model
    user._state.fields_cache["patient"] = (
        None if patient_id is None else patient_model(pk=patient_id, user_id=user_id)
    )
    return user


@dataclass(frozen=True)
class _Badges:
    labels: tuple[tuple[str, str], ...]  # (url name, label) in the order of the counts
    query: PreparedQuery | None


_badges_by_shape: dict[tuple, _Badges] = {}


def _badges_for(role: str | None, with_patient: bool) -> _Badges:
    """The badges people of this role see and their counting query, prepared once per process
    (clinic/prepared.py): which badges a person sees depends on their role, and whether they are
    a patient, never on their ids."""
    shape = (role, with_patient)
    found = _badges_by_shape.get(shape)
    if found is None:

        def build(user_id: int, patient_id: int | None = None):
            return _counts_query(user_id, _wanted_badges(_stand_in(role, user_id, patient_id)))

        sample = _wanted_badges(_stand_in(role, 1, 1 if with_patient else None))
        labels = tuple((url_name, label) for url_name, (_queryset, label) in sample.items())
        kinds = {"user_id": INT, **({"patient_id": INT} if with_patient else {})}
        found = _Badges(labels, PreparedQuery(build, **kinds) if labels else None)
        _badges_by_shape[shape] = found
    return found


def badge_counts(user) -> dict[str, tuple[int, str]]:
    """{url name: (count, label)} for the navigation badges, counted in one query."""
    patient = getattr(user, "patient", None)
    badges = _badges_for(user.role, patient is not None)
    if badges.query is None:
        return {}
    ids = {"user_id": user.pk, **({"patient_id": patient.pk} if patient is not None else {})}
    rows = badges.query(**ids)
    return badges_from_row(user.role, patient is not None, rows[0] if rows else {})


def _links_for(role: str | None) -> tuple[tuple[str, str, str], ...]:
    """(label, url name, url) of the navigation for this role, in order. The same for every
    request of a process (for one URL configuration), so worked out once."""
    return _navigation_for(role)[0]


def _navigation_for(role: str | None) -> tuple[tuple[tuple[str, str, str], ...], str]:
    """The role's links (`_links_for`) and the part of the layout's fragment key (`nav_key`)
    that is the same on every page: the role and the URL configuration's addresses."""
    key = (role, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    found = _links_by_role.get(key)
    if found is None:
        entries = list(NAV_ITEMS)
        for app_items in collect("navigation", "NAV_ITEMS"):
            entries.extend(app_items)
        links = []
        for _order, label, url_name, roles in sorted(entries, key=lambda entry: entry[0]):
            if role not in roles and not (role is None and "anonymous" in roles):
                continue
            try:
                links.append((label, url_name, reverse(url_name)))
            except NoReverseMatch:
                continue
        prefix = f"{role}|{reverse('home')}|" + "|".join(url for _label, _name, url in links)
        found = _links_by_role[key] = (tuple(links), prefix)
    return found


_links_by_role: dict[tuple, tuple[tuple[tuple[str, str, str], ...], str]] = {}


def navigation_key(request: HttpRequest, items: list[dict]) -> str:
    """What the layout's header fragment (`{% layoutcache %}` in base.html) varies on, besides the
    language: the role, the addresses, which item is the current page and the badge counts. The
    labels follow from the role and the language."""
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    marks = ",".join(f"{int(item['current'])}{item['badge'] or 0}" for item in items)
    return f"{_navigation_for(role)[1]}|{marks}"


def navigation_items(request: HttpRequest, badges: dict | None = None) -> list[dict]:
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    if badges is None:
        badges = badge_counts(user) if role is not None else {}
    items = []
    for label, url_name, url in _links_for(role):
        current = request.path == url or (url not in HOME_URLS and request.path.startswith(url))
        count, badge_label = badges.get(url_name, (0, ""))
        items.append(
            {
                "label": label,
                "url": url,
                "current": current,
                "badge": count or None,
                "badge_label": badge_label,
            }
        )
    return items


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    # A page that counted the badges with its own figures (the patient's home) left them here.
    badges = getattr(request, "navigation_badges", None)
    if badges is None:
        badges = badge_counts(user) if signed_in and user.role is not None else {}
    extra: dict = {}
    for page_context in collect("navigation", "page_context"):
        extra.update(page_context(request, badges))
    items = navigation_items(request, badges)
    return {
        **extra,
        "nav_items": items,
        "nav_key": navigation_key(request, items),
        "user_role": user.role if user is not None and user.is_authenticated else None,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "emergency_hours": settings.EMERGENCY_ACCESS_HOURS,
        "clinic_time_zone": settings.TIME_ZONE,
        # The language switcher names each language in itself, untranslated.
        "site_languages": settings.LANGUAGES,
        # The idle warning (static/js/session.js) needs the signed-in person's idle limit.
        **idle_warning(user),
    }


def idle_warning(user) -> dict:
    """The signed-in person's idle limit and how long before it the warning shows."""
    if user is None or not user.is_authenticated:
        return {"idle_seconds": None, "idle_warning_seconds": None}
    idle = int(idle_limit_for(user))
    return {
        "idle_seconds": idle,
        "idle_warning_seconds": min(IDLE_WARNING_SECONDS, idle // 2),
        # What the idle script posts from a form typed into is kept this long (keptforms/).
        "kept_form_minutes": settings.KEPT_FORM_MINUTES,
    }
