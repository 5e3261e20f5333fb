"""Load-and-authorise helpers for proxy access pages: every access a view touches comes through
one of these, never straight from an id in the URL. Anyone it is not for gets a 404."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from clinic.models import User

from .models import ProxyAccess
from .services import is_front_desk


def _accesses():
    return ProxyAccess.objects.with_people().select_related("patient__user")


def get_proxy_access_for_staff(user: User, pk: int) -> ProxyAccess:
    """The front desk (or an admin covering it) only."""
    if not is_front_desk(user):
        raise Http404
    return get_object_or_404(_accesses(), pk=pk)


def get_proxy_access_for_patient(user: User, pk: int) -> ProxyAccess:
    """An access to act for the signed-in person (they are its patient)."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(_accesses(), pk=pk, patient__user=user)


def get_proxy_access_for_proxy(user: User, pk: int) -> ProxyAccess:
    """An access the signed-in person holds to act for someone else."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(_accesses(), pk=pk, proxy__user=user)
