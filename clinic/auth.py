"""Loading the signed-in person once per request.

Every page needs the user, their role (the staff profile or the linked patient record) and, for
staff, whether two-step verification is set up. Django's backends load the user alone and let
each fact cost a query of its own; these backends load all three in one query, on the session's
every request. The facts are read at the start of the request, never cached across requests, so
a removed authenticator or a changed role counts on the next click.

Most requests do not even pay that query: the session's own row is loaded joined to its user and
the same facts (clinic/sessions.py). Django's `get_user` still decides who is signed in (the
backend named in the session, `user_can_authenticate`, the session's password hash); while it
runs for a request (`request_user`), the backends take the user loaded with that request's
session row, if it is the user the session names, instead of querying again.
"""

from __future__ import annotations

from contextvars import ContextVar

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import Exists, OuterRef

from .prepared import INT, PreparedQuery

MFA_ENABLED = "mfa_enabled_at_load"
# What comes with the user: their role (staff profile or patient record, each with its site).
USER_FACTS = ("staff_profile__site", "patient__site")


def mfa_enabled_annotation(user_ref: str) -> dict:
    """The annotation saying whether the user at `user_ref` has two-step verification set up."""
    return {MFA_ENABLED: Exists(Authenticator.objects.filter(user_id=OuterRef(user_ref)))}


def _user_with_facts(user_id: int):
    return (
        get_user_model()
        ._default_manager.select_related(*USER_FACTS)
        .annotate(**mfa_enabled_annotation("pk"))
        .filter(pk=user_id)[:1]
    )


# Built once per process: on every signed-in request this query costs Django far more to build
# and compile than the database to answer (clinic/prepared.py).
_USER_WITH_FACTS = PreparedQuery(_user_with_facts, user_id=INT)


# The session store of the request whose user Django's `get_user` is loading, only while it runs.
_loading_for_session: ContextVar = ContextVar("rapport_loading_for_session", default=None)


def request_user(request):
    """`django.contrib.auth.get_user(request)`, every check of it unchanged, letting the backends
    take the user that came with this request's session row."""
    token = _loading_for_session.set(request.session)
    try:
        return auth.get_user(request)
    finally:
        _loading_for_session.reset(token)


def _loaded_with_session(user_id):
    """The user loaded with the session row of the request being served, if it is `user_id`."""
    session = _loading_for_session.get()
    take = getattr(session, "take_loaded_user", None)
    return take(user_id) if take is not None else None


def _load_user(backend, user_id):
    user = _loaded_with_session(user_id)
    if user is None:
        found = _USER_WITH_FACTS(user_id=user_id)
        user = found[0] if found else None
    if user is None or not backend.user_can_authenticate(user):
        return None
    return user


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        return _load_user(self, user_id)


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        return _load_user(self, user_id)


def mfa_enabled(user) -> bool:
    """Whether `user` has two-step verification set up: known from loading the request's user
    (no query), else asked of allauth."""
    known = getattr(user, MFA_ENABLED, None)
    if known is not None:
        return bool(known)
    return is_mfa_enabled(user)
