"""Writes about accounts and staff."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from .models import STAFF_ROLES, Role, Site, StaffProfile, User


@transaction.atomic
def create_staff_member(
    *,
    email: str,
    password: str | None,
    role: str,
    display_name: str,
    specialty: str = "",
    site: Site | None = None,
) -> User:
    """Create a staff account with a verified email address, its profile and its role group."""
    if role not in STAFF_ROLES:
        raise ValueError(f"{role!r} is not a staff role")
    user = User.objects.create_user(email=email, password=password, is_staff=role == Role.ADMIN)
    profile = StaffProfile(
        user=user, role=role, display_name=display_name, specialty=specialty, site=site
    )
    profile.full_clean()
    profile.save()
    user.groups.add(Group.objects.get(name=role))
    mark_email_verified(user)
    return user


def mark_email_verified(user: User) -> None:
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
