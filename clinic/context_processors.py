"""Navigation per role, assembled from each app's `navigation.NAV_ITEMS`."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F, Func, Subquery
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .extensions import collect
from .middleware import idle_limit_for
from .models import STAFF_ROLES, Role, User

STAFF = tuple(STAFF_ROLES)
HOME_URLS = ("/", "/portal/", "/staff/")
# The idle warning comes this long before the idle sign-out (WCAG 2.2.1: at least 20 seconds).
IDLE_WARNING_SECONDS = 120

# (order, label, url name, roles that see it)
NAV_ITEMS: list[tuple[int, str, str, tuple[str, ...]]] = [
    (0, "Home", "portal:home", (Role.PATIENT,)),
    (0, "Staff home", "staff:home", STAFF),
    (90, "Security", "mfa_index", (Role.PATIENT, *STAFF)),
    (95, "Django admin", "admin:index", (Role.ADMIN,)),
]


def badge_counts(user) -> dict[str, tuple[int, str]]:
    """{url name: (count, label)} for the navigation badges, counted in one query."""
    wanted: dict = {}
    for badge_function in collect("navigation", "nav_badges"):
        wanted.update(badge_function(user))
    if not wanted:
        return {}
    names = {f"badge_{index}": url_name for index, url_name in enumerate(wanted)}
    counts = (
        User.objects.filter(pk=user.pk)
        .values(
            **{
                alias: Subquery(
                    wanted[url_name][0]
                    .order_by()
                    .annotate(rows=Func(F("pk"), function="COUNT"))
                    .values("rows")
                )
                for alias, url_name in names.items()
            }
        )
        .first()
    ) or {}
    return {
        url_name: (counts.get(alias) or 0, wanted[url_name][1]) for alias, url_name in names.items()
    }


def navigation_items(request: HttpRequest, badges: dict | None = None) -> list[dict]:
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    entries = list(NAV_ITEMS)
    for app_items in collect("navigation", "NAV_ITEMS"):
        entries.extend(app_items)
    if badges is None:
        badges = badge_counts(user) if role is not None else {}
    items = []
    for _order, label, url_name, roles in sorted(entries, key=lambda entry: entry[0]):
        if role not in roles and not (role is None and "anonymous" in roles):
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
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
    badges = badge_counts(user) if signed_in and user.role is not None else {}
    extra: dict = {}
    for page_context in collect("navigation", "page_context"):
        extra.update(page_context(request, badges))
    return {
        **extra,
        "nav_items": navigation_items(request, badges),
        "user_role": user.role if user is not None and user.is_authenticated else None,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "emergency_hours": settings.EMERGENCY_ACCESS_HOURS,
        "clinic_time_zone": settings.TIME_ZONE,
        # The idle warning (static/js/session.js) needs the signed-in person's idle limit.
        **idle_warning(user),
    }


def idle_warning(user) -> dict:
    """The signed-in person's idle limit and how long before it the warning shows."""
    if user is None or not user.is_authenticated:
        return {"idle_seconds": None, "idle_warning_seconds": None}
    idle = int(idle_limit_for(user))
    return {"idle_seconds": idle, "idle_warning_seconds": min(IDLE_WARNING_SECONDS, idle // 2)}
