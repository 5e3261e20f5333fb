"""Onboarding emails in the one outbox: built when sent, from the visit as it then stands (see
`notifications.delivery`). They say when and where, what to bring and why we meet in person;
they never carry health data, the MRN or the date of birth."""

from __future__ import annotations

import datetime as dt

from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from notifications.models import Notification, NotificationKind

from .emails import build_visit_email
from .models import OnboardingVisit, VisitStatus

ONBOARDING_KINDS = (
    NotificationKind.ONBOARDING_INVITATION,
    NotificationKind.ONBOARDING_RESCHEDULED,
    NotificationKind.ONBOARDING_CANCELLED,
)
# An email is still worth sending only while the visit is in the state it announces...
STILL_TRUE = {
    NotificationKind.ONBOARDING_INVITATION: (VisitStatus.SCHEDULED,),
    NotificationKind.ONBOARDING_RESCHEDULED: (VisitStatus.SCHEDULED,),
    NotificationKind.ONBOARDING_CANCELLED: (VisitStatus.CANCELLED,),
}
# ...and for two days: an email about a visit that could not go out for longer is no use.
USEFUL_FOR = dt.timedelta(days=2)


def build_onboarding_email(notification: Notification) -> EmailMultiAlternatives | None:
    visit = (
        OnboardingVisit.objects.select_related("patient", "site", "staff_member__staff_profile")
        .filter(pk=notification.subject_id)
        .first()
    )
    if visit is None or notification.created_at < timezone.now() - USEFUL_FOR:
        return None
    # A later email about the same visit tells the current state; this one would only confuse.
    superseded = Notification.objects.filter(
        kind__in=ONBOARDING_KINDS, subject_id=visit.pk, pk__gt=notification.pk
    ).exists()
    if superseded or visit.status not in STILL_TRUE[notification.kind]:
        return None
    return build_visit_email(visit, notification.kind)


EMAIL_BUILDERS = {kind: build_onboarding_email for kind in ONBOARDING_KINDS}
