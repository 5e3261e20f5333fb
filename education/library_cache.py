"""The public library's pages as anonymous visitors see them, kept rendered in each web process.

The library is public: no patient data, no one's name but the authors'. Rendering a page of twenty
articles costs far more than everything else in the request, and the page changes only when an
article is published, replaced or archived. So a rendered page is kept here, per process (no
Redis: nothing to fail, nothing to invalidate across hosts), under a key that says which library
it shows: `library_stamp()`, one small query on every request, that changes whenever the set of
published articles or of topics changes. Edits it cannot see (a topic or an author renamed) show
within `MAX_AGE_SECONDS`. Only anonymous visitors with no message waiting and no search get a
kept page; everyone else's is rendered as before.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from django.db import connection

MAX_AGE_SECONDS = 60.0
MAX_PAGES = 32
# Page numbers beyond this are rendered, never kept (a kept page per number would grow without end).
MAX_PAGE_NUMBER = 100


# One statement, written out: the ORM would cost more to build it than the database to answer.
STAMP_SQL = (
    "SELECT COUNT(*), COALESCE(SUM(a.published_version_id), 0), MAX(v.reviewed_at), "
    "MAX(a.created_at), (SELECT COUNT(*) FROM education_topic), "
    "(SELECT COALESCE(SUM(t.id), 0) FROM education_topic t) "
    "FROM education_article a JOIN education_articleversion v ON v.id = a.published_version_id "
    "WHERE a.archived_at IS NULL"
)


def library_stamp() -> tuple:
    """What the library shows, as far as one cheap query can tell: the published articles (how
    many, which versions, the newest review and the newest article) and the topics. Publishing,
    archiving, restoring or replacing an article changes it; so does a new or removed topic."""
    with connection.cursor() as cursor:
        cursor.execute(STAMP_SQL)
        return tuple(cursor.fetchone())


class PageCache:
    """A small, thread-safe, least-recently-used store of rendered pages with a maximum age."""

    def __init__(self, *, max_pages: int = MAX_PAGES, max_age: float = MAX_AGE_SECONDS) -> None:
        self.max_pages, self.max_age = max_pages, max_age
        self._pages: OrderedDict[tuple, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            if time.monotonic() - found[0] > self.max_age:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return found[1]

    def put(self, key: tuple, content: bytes) -> None:
        with self._lock:
            self._pages[key] = (time.monotonic(), content)
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


pages = PageCache()
