"""Sessions in the database, as Django's `db` engine keeps them, loaded with a prepared query.

Every signed-in request loads its session; Django's engine builds and compiles that one-row query
afresh each time, which costs more than the database takes to answer it. This engine runs the
same query through `clinic.prepared`; everything else (saving, expiry, cycling keys) is Django's.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from .prepared import DATETIME, TEXT, PreparedQuery


def _live_session(session_key: str, now: dt.datetime):
    return Session.objects.filter(session_key=session_key, expire_date__gt=now)


_LIVE_SESSION = PreparedQuery(_live_session, session_key=TEXT, now=DATETIME)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        found = _LIVE_SESSION(session_key=self.session_key, now=timezone.now())
        if found:
            return found[0]
        self._session_key = None
        return None
