"""The site's URL conf, walked once for every test that must cover each URL."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    route: str  # e.g. "staff/patients/<int:patient_id>/", without the leading slash
    name: str  # namespaced, e.g. "staff:patient_record"
    callback: Callable

    def url(self, fill: str = "1") -> str:
        """The route as a URL, every path parameter replaced by `fill`."""
        return "/" + re.sub(r"<(?:\w+:)?\w+>", fill, self.route).replace("^", "").replace("$", "")


def all_routes() -> list[Route]:
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace else (entry.name or "")
                found.append(Route(prefix + str(entry.pattern), name, entry.callback))

    walk(get_resolver().url_patterns, "", "")
    return found


def record_content_routes() -> list[Route]:
    """The views marked `@record_content_view`."""
    return [r for r in all_routes() if getattr(r.callback, "shows_record_content", False)]
