"""Booking a visit publishes its invitation to a real Redis; a real worker sends it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from clinic.models import Role
from notifications.models import Notification
from patients import services
from tests.factories import PatientFactory, StaffFactory
from tests.factories.onboarding import slot
from tests.support import celery as celery_support
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_invitation_goes_through_redis_and_a_worker(redis):
    for role in Role:  # a transactional test may have flushed the migration-made groups
        Group.objects.get_or_create(name=role)
    desk = StaffFactory(role=Role.FRONT_DESK)
    patient = PatientFactory(email="tom@example.org")
    with celery_support.broker(redis.url):
        visit = services.schedule_visit(
            patient=patient,
            site=patient.site,
            starts_at=slot(days_ahead=2),
            staff_member=desk,
            scheduled_by=desk,
        )
        # Published on commit: the message waits in Redis, nothing is sent yet.
        assert redis.client().llen("celery") == 1
        assert mail.outbox == []
        with celery_support.worker():
            assert wait_for(
                lambda: Notification.objects.get(subject_id=visit.pk).email_sent_at is not None
            )
    assert [m.to for m in mail.outbox] == [["tom@example.org"]]
