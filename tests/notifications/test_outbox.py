"""The one outbox: every message is delivered at most once, swept until sent, never flooded;
the patient reads them on the notifications page and chooses how emails reach them."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from consent.models import Scope
from notifications import delivery, services, tasks
from notifications.models import EmailPreference, Notification, NotificationKind
from notifications.tasks import sweep_undelivered_notifications
from patients.models import RecordCategory
from tests.factories import RecordEntryFactory, grant


def at(moment: dt.datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def shared_record(patient, physician):
    RecordEntryFactory(patient=patient, author=physician, category=RecordCategory.LAB_RESULT)
    grant(patient, physician, scope=Scope.RECORD)


def read_record(client, physician, patient):
    client.force_login(physician)
    assert client.get(f"/staff/patients/{patient.pk}/").status_code == 200


def test_delivery_is_idempotent(patient_user, mailoutbox):
    notification = services.notify(
        recipient=patient_user, kind=NotificationKind.GENERAL, message="Hello", link="/portal/"
    )
    assert delivery.deliver(notification.pk) == "sent"
    assert delivery.deliver(notification.pk) == "done"
    assert len(mailoutbox) == 1


def test_sweep_republishes_only_old_undelivered_notifications(patient_user, mailoutbox):
    fresh = services.notify(recipient=patient_user, kind="general", message="a", link="/portal/")
    Notification.objects.filter(pk=fresh.pk).update(
        email_due_at=timezone.now() - dt.timedelta(minutes=5)
    )
    recent = services.notify(recipient=patient_user, kind="general", message="b", link="/portal/")
    assert sweep_undelivered_notifications() == 1  # eager: delivered right away
    fresh.refresh_from_db()
    recent.refresh_from_db()
    assert fresh.email_sent_at is not None
    assert recent.email_sent_at is None
    assert len(mailoutbox) == 1


def test_unread_count_in_navigation(client, shared_record, patient, physician, patient_user):
    read_record(client, physician, patient)
    client.force_login(patient_user)
    page = client.get("/portal/").content.decode()
    assert '<span class="badge">1<span class="visually-hidden"> unread</span></span>' in page
    client.post("/portal/notifications/read/")
    page = client.get("/portal/").content.decode()
    assert 'class="badge"' not in page


def test_notifications_page_and_preference(client, shared_record, patient, physician, patient_user):
    read_record(client, physician, patient)
    client.force_login(patient_user)
    page = client.get("/portal/notifications/").content.decode()
    assert "Dr A. Rivera looked at your record" in page
    response = client.post("/portal/notifications/preference/", {"delivery": "digest"})
    assert response.status_code == 302
    assert EmailPreference.objects.get(user=patient_user).record_access == "digest"
    response = client.post("/portal/notifications/preference/", {"delivery": "<script>"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert EmailPreference.objects.get(user=patient_user).record_access == "digest"


def test_sweep_does_not_flood_a_backlog_with_duplicates(patient_user, mailoutbox, monkeypatch):
    published = []
    monkeypatch.setattr(tasks, "publish", lambda pk: published.append(pk) or True)
    stuck = services.notify(recipient=patient_user, kind="general", message="a", link="/portal/")
    Notification.objects.filter(pk=stuck.pk).update(
        email_due_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert sweep_undelivered_notifications() == 1
    assert sweep_undelivered_notifications() == 0  # published a moment ago: not again yet
    with at(timezone.now() + dt.timedelta(minutes=6)):
        assert sweep_undelivered_notifications() == 1  # still unsent five minutes later: again
    assert published == [stuck.pk, stuck.pk]


def test_every_kind_of_message_has_a_subject_of_its_own():
    labels = [label for _value, label in NotificationKind.choices]
    assert len(set(labels)) == len(labels)


def test_staff_emails_have_no_patient_footer(physician, patient_user, mailoutbox):
    staff_note = services.notify(
        recipient=physician,
        kind=NotificationKind.REQUEST_DECIDED,
        message="Maria approved your access request.",
        link="/staff/patients/requests/",
    )
    patient_note = services.notify(
        recipient=patient_user,
        kind=NotificationKind.ACCESS_REQUEST,
        message="Dr A. Rivera asked to see part of your record.",
        link="/portal/sharing/",
    )
    delivery.deliver(staff_note.pk)
    delivery.deliver(patient_note.pk)
    to_staff, to_patient = mailoutbox
    assert "details of your health" not in to_staff.body
    assert "Sign in to your portal" not in to_staff.body
    assert "Open it in Rapport" in to_staff.body
    assert "details of your health" in to_patient.body
    assert to_staff.subject != to_patient.subject
