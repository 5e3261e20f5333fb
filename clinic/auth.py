"""Loading the signed-in person once per request.

Every page needs the user, their role (the staff profile or the linked patient record) and, for
staff, whether two-step verification is set up. Django's backends load the user alone and let
each fact cost a query of its own; these backends load all three in one query, on the session's
every request. The facts are read at the start of the request, never cached across requests, so
a removed authenticator or a changed role counts on the next click.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import Exists, OuterRef

from .prepared import INT, PreparedQuery

MFA_ENABLED = "mfa_enabled_at_load"


def _user_with_facts(user_id: int):
    return (
        get_user_model()
        ._default_manager.select_related("staff_profile__site", "patient__site")
        .annotate(**{MFA_ENABLED: Exists(Authenticator.objects.filter(user_id=OuterRef("pk")))})
        .filter(pk=user_id)[:1]
    )


# Built once per process: on every signed-in request this query costs Django far more to build
# and compile than the database to answer (clinic/prepared.py).
_USER_WITH_FACTS = PreparedQuery(_user_with_facts, user_id=INT)


def _load_user(backend, user_id):
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
