"""Small builders for record entries and consent, through the real services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from consent import services
from consent.models import GivenVia, Purpose, Scope
from patients.models import RecordCategory
from patients.records import create_record_entry


def make_entry(
    patient,
    author,
    *,
    category=RecordCategory.LAB_RESULT,
    title="HbA1c result",
    body="HbA1c 6.1 percent",
    sensitive=False,
    days_ago=1,
    document=None,
):
    return create_record_entry(
        patient=patient,
        author=author,
        category=category,
        title=title,
        body=body,
        recorded_on=timezone.localdate() - dt.timedelta(days=days_ago),
        sensitive=sensitive,
        sensitivity="mental_health" if sensitive else "",
        document=document,
    )


def share(
    patient, physician=None, *, team=None, scope=Scope.RECORD, purpose=Purpose.TREATMENT, **kwargs
):
    return services.grant_consent(
        patient=patient,
        recorded_by=patient.user or physician,
        given_via=GivenVia.PORTAL,
        grantee_user=physician,
        grantee_team=team,
        scope=scope,
        purpose=purpose,
        **kwargs,
    )
