"""Care teams, grants and emergency accesses, all written through the services so the derived
guardian rows exist exactly as in production."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from unittest import mock

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from clinic.models import Role
from consent import services
from consent.models import CareTeam, ConsentGrant, EmergencyAccess, GivenVia, Purpose, Scope
from patients.models import RecordEntry

from .clinic import StaffFactory


@contextlib.contextmanager
def frozen_time(moment: dt.datetime) -> Iterator[dt.datetime]:
    """Make `django.utils.timezone.now()` return `moment` (every caller in the app goes through
    the module attribute, so consent checks, services and auto_now fields all see it)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


class CareTeamFactory(factory.django.DjangoModelFactory):
    """A care team; `members=[user, ...]` puts staff in its group."""

    class Meta:
        model = CareTeam
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Care team {n}")
    description = "Looks after patients together."
    group = factory.LazyAttribute(lambda o: Group.objects.create(name=f"team: {o.name}"))

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.group.user_set.add(*extracted)


def grant(
    patient,
    grantee=None,
    *,
    team: CareTeam | None = None,
    scope: str = Scope.RECORD,
    category: str = "",
    entry: RecordEntry | None = None,
    purpose: str = Purpose.TREATMENT,
    purpose_other: str = "",
    include_sensitive: bool = False,
    starts_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    given_via: str = GivenVia.PORTAL,
    recorded_by=None,
) -> ConsentGrant:
    """A grant made through `consent.services.grant_consent` (guardian rows included)."""
    return services.grant_consent(
        patient=patient,
        recorded_by=recorded_by
        or patient.user
        or grantee
        or StaffFactory(role=Role.FRONT_DESK, mfa=False),
        given_via=given_via,
        scope=scope,
        purpose=purpose,
        grantee_user=grantee,
        grantee_team=team,
        category=category,
        entry=entry,
        purpose_other=purpose_other,
        include_sensitive=include_sensitive,
        starts_at=starts_at,
        expires_at=expires_at,
    )


def expired_grant(patient, grantee=None, *, days_ago: int = 1, **kwargs) -> ConsentGrant:
    """A grant given 30 days ago that expired `days_ago` days ago. No sweep has run since, so its
    guardian rows are still there: only the time check in the query stands between the grantee
    and the record."""
    now = timezone.now()
    with frozen_time(now - dt.timedelta(days=30)):
        return grant(patient, grantee, expires_at=now - dt.timedelta(days=days_ago), **kwargs)


def revoked_grant(patient, grantee=None, **kwargs) -> ConsentGrant:
    given = grant(patient, grantee, **kwargs)
    return services.revoke_consent(grant=given, revoked_by=patient.user or given.recorded_by)


def future_grant(patient, grantee=None, *, days_ahead: int = 3, **kwargs) -> ConsentGrant:
    return grant(
        patient, grantee, starts_at=timezone.now() + dt.timedelta(days=days_ahead), **kwargs
    )


EMERGENCY_REASON = "Unconscious in the emergency department, need allergies and medication."


def emergency_access(physician, patient, *, reason: str = EMERGENCY_REASON) -> EmergencyAccess:
    """An emergency access opened now through `services.open_emergency_access`."""
    return services.open_emergency_access(physician=physician, patient=patient, reason=reason)


def elapsed_emergency_access(
    physician, patient, *, reason: str = EMERGENCY_REASON
) -> EmergencyAccess:
    """An emergency access whose window closed an hour ago (opened long enough before now)."""
    from django.conf import settings

    opened = timezone.now() - dt.timedelta(hours=settings.EMERGENCY_ACCESS_HOURS + 1)
    with frozen_time(opened):
        return emergency_access(physician, patient, reason=reason)
