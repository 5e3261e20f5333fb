"""Sessions in the database, as Django's `db` engine keeps them, loaded with the signed-in person.

Every signed-in request loads its session, then its user with their role and two-step status
(clinic/auth.py): two round trips, each built and compiled by Django afresh. Here the session's
row (`clinic.models.Session`) carries the signed-in user's id in a column of its own, written
from the session's data whenever it is saved, and one prepared query (clinic/prepared.py) loads
the live row joined to that user and the same facts. The store keeps the user for the backends
to take while Django's `get_user` checks this request's session (`clinic.auth.request_user`);
nothing else is trusted from the join, and the store lives and dies with its request.
Everything else (saving, expiry, cycling keys) is Django's.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.base import CreateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ValidationError
from django.utils import timezone

from .auth import MFA_ENABLED, USER_FACTS, mfa_enabled_annotation
from .models import Session
from .prepared import DATETIME, TEXT, PreparedQuery


def _live_session(session_key: str, now: dt.datetime):
    return (
        Session.objects.select_related(*(f"user__{facts}" for facts in USER_FACTS))
        .annotate(**mfa_enabled_annotation("user_id"))
        .filter(session_key=session_key, expire_date__gt=now)
    )


_LIVE_SESSION = PreparedQuery(_live_session, session_key=TEXT, now=DATETIME)


def _signed_in_user_id(data: dict):
    """The id of the user the session's data says is signed in, or None."""
    value = data.get(SESSION_KEY)
    if value is None:
        return None
    try:
        return get_user_model()._meta.pk.to_python(value)
    except ValidationError:
        return None


class SessionStore(DatabaseSessionStore):
    _loaded_user = None
    # Set when the user named in the data was deleted while this session was being created.
    _user_gone = False

    @classmethod
    def get_model_class(cls):
        return Session

    def _get_session_from_db(self):
        self._loaded_user = None
        found = _LIVE_SESSION(session_key=self.session_key, now=timezone.now())
        if not found:
            self._session_key = None
            return None
        row = found[0]
        user = row.user  # came with the row (None when nobody is signed in)
        if user is not None:
            setattr(user, MFA_ENABLED, getattr(row, MFA_ENABLED))
            self._loaded_user = user
        return row

    def take_loaded_user(self, user_id):
        """The user loaded with this session's row, if they are `user_id`; given once, so a
        later look-up in the same request asks the database again."""
        user, self._loaded_user = self._loaded_user, None
        if user is not None and user.pk == user_id:
            return user
        return None

    def cycle_key(self):
        self._loaded_user = None
        super().cycle_key()

    def flush(self):
        self._loaded_user = None
        super().flush()

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.user_id = None if self._user_gone else _signed_in_user_id(data)
        return instance

    def save(self, must_create=False):
        try:
            super().save(must_create=must_create)
        except CreateError:
            # Django's `create` retries a new key on CreateError, meant for a taken key. A user
            # deleted meanwhile would fail every try: save without them (the data still names
            # them, and Django's `get_user` finds nobody, as it would without the column).
            user_id = _signed_in_user_id(self._get_session(no_load=True))
            if (
                user_id is not None
                and not get_user_model()._default_manager.filter(pk=user_id).exists()
            ):
                self._user_gone = True
            raise
