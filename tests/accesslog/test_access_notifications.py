"""Patients hear about every look: coalesced, as they prefer, never with health data."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from accesslog.notify import next_digest_time
from consent import services
from consent.models import Scope
from notifications.models import Delivery, EmailPreference, Notification, NotificationKind
from notifications.tasks import send_due_digests
from patients.models import RecordCategory
from tests.factories import RecordEntryFactory, grant


@pytest.fixture
def shared_record(patient, physician):
    entries = [
        RecordEntryFactory(
            category=RecordCategory.LAB_RESULT,
            patient=patient,
            author=physician,
            title="Hidden title HbA1c",
            body="Glucose body text",
        ),
        RecordEntryFactory(
            patient=patient,
            author=physician,
            category=RecordCategory.MEDICATION,
            title="Hidden title Metformin",
            body="Metformin body text",
        ),
    ]
    grant(patient, physician, scope=Scope.RECORD)
    return entries


def at(moment: dt.datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def read_record(client, physician, patient):
    client.force_login(physician)
    assert client.get(f"/staff/patients/{patient.pk}/").status_code == 200


def access_notifications(patient):
    return Notification.objects.filter(recipient=patient.user, kind=NotificationKind.RECORD_ACCESS)


def test_a_look_emails_the_patient_at_once_without_health_data(
    client, shared_record, patient, physician, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        read_record(client, physician, patient)
    notification = access_notifications(patient).get()
    assert notification.message.startswith("Dr A. Rivera looked at your record on ")
    assert notification.email_sent_at is not None
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [patient.user.email]
    everything = email.subject + email.body + email.alternatives[0][0]
    assert "Dr A. Rivera looked at your record" in everything
    assert "/portal/access-log/" in everything
    for secret in ["Hidden title", "HbA1c", "Metformin", "Glucose", "lab result", "medication"]:
        assert secret.lower() not in everything.lower()


def test_own_reads_do_not_notify(
    client, shared_record, patient_user, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(patient_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/portal/records/")
    assert not Notification.objects.filter(recipient=patient_user).exists()
    assert mailoutbox == []


def test_looks_within_30_minutes_become_one_notification_and_one_email(
    client, shared_record, patient, physician, mailoutbox, django_capture_on_commit_callbacks
):
    start = timezone.now()
    for minutes in (0, 10, 25, 29):
        with (
            at(start + dt.timedelta(minutes=minutes)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            read_record(client, physician, patient)
    notification = access_notifications(patient).get()
    assert notification.event_count == 4
    assert "Dr A. Rivera looked at 4 parts of your record on" in notification.message
    assert len(mailoutbox) == 1


def test_a_look_after_the_window_is_a_new_notification(
    client,
    shared_record,
    patient,
    physician,
    other_physician,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    grant(patient, other_physician, scope=Scope.RECORD)
    start = timezone.now()
    with at(start), django_capture_on_commit_callbacks(execute=True):
        read_record(client, physician, patient)
    with at(start + dt.timedelta(minutes=45)), django_capture_on_commit_callbacks(execute=True):
        read_record(client, physician, patient)
    with at(start + dt.timedelta(minutes=46)), django_capture_on_commit_callbacks(execute=True):
        read_record(client, other_physician, patient)
    assert access_notifications(patient).count() == 3
    assert len(mailoutbox) == 3


def test_digest_preference_sends_one_summary_at_digest_time(
    client,
    shared_record,
    patient,
    physician,
    other_physician,
    mailoutbox,
    django_capture_on_commit_callbacks,
    settings,
):
    settings.ACCESS_DIGEST_HOUR = 18
    EmailPreference.objects.create(user=patient.user, record_access=Delivery.DIGEST)
    grant(patient, other_physician, scope=Scope.RECORD)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    morning = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(9, 0)))
    with at(morning), django_capture_on_commit_callbacks(execute=True):
        read_record(client, physician, patient)
        read_record(client, other_physician, patient)
    assert mailoutbox == []
    due = access_notifications(patient).values_list("email_due_at", flat=True)
    assert set(due) == {next_digest_time(morning)}
    assert timezone.localtime(next_digest_time(morning)).hour == 18

    with at(morning + dt.timedelta(hours=3)):
        send_due_digests()
    assert mailoutbox == []  # not due yet

    with at(morning + dt.timedelta(hours=9, minutes=1)):
        assert send_due_digests() == 1
    assert len(mailoutbox) == 1
    digest = mailoutbox[0]
    assert "2 new notifications" in digest.subject
    assert "Dr A. Rivera looked at your record" in digest.body
    assert "Dr M. Chen looked at your record" in digest.body
    assert "Hidden title" not in digest.body
    assert not access_notifications(patient).filter(email_sent_at__isnull=True).exists()
    with at(morning + dt.timedelta(hours=9, minutes=6)):
        assert send_due_digests() == 0  # sent once


def test_emergency_reads_are_emailed_at_once_even_with_digest(
    client, patient, physician, other_physician, mailoutbox, django_capture_on_commit_callbacks
):
    RecordEntryFactory(patient=patient, author=physician, category=RecordCategory.LAB_RESULT)
    EmailPreference.objects.create(user=patient.user, record_access=Delivery.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        services.open_emergency_access(
            physician=other_physician,
            patient=patient,
            reason="Collapsed in clinic, needs allergy history now",
        )
        read_record(client, other_physician, patient)
    kinds = sorted(n.kind for n in Notification.objects.filter(recipient=patient.user))
    assert kinds == ["emergency_access", "record_access"]
    assert "under emergency access" in access_notifications(patient).get().message
    assert len(mailoutbox) == 2
    assert all("Collapsed" not in m.body for m in mailoutbox)  # the reason stays in the portal


def test_a_coalesced_notification_mentions_emergency_access_if_any_read_was_one(
    client, shared_record, patient, physician, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with at(start), django_capture_on_commit_callbacks(execute=True):
        read_record(client, physician, patient)  # under the grant
    grant_given = patient.consent_grants.get()
    with at(start + dt.timedelta(minutes=5)):
        services.revoke_consent(grant=grant_given, revoked_by=patient.user)
        services.open_emergency_access(
            physician=physician,
            patient=patient,
            reason="Collapsed in clinic, needs allergy history now",
        )
    with at(start + dt.timedelta(minutes=10)), django_capture_on_commit_callbacks(execute=True):
        read_record(client, physician, patient)  # under emergency access
    notification = access_notifications(patient).get()
    assert notification.event_count == 2
    assert "looked at 2 parts of your record under emergency access" in notification.message


def test_wording_says_how_much_and_when_without_a_time_range_of_one_minute():
    from accesslog.notify import access_message

    first = timezone.make_aware(dt.datetime(2026, 12, 2, 3, 15, 5))
    one = access_message(actor_name="Dr A. Rivera", count=1, first=first, last=first, emergency=0)
    assert one == "Dr A. Rivera looked at your record on 2 Dec at 03:15."
    same_minute = access_message(
        actor_name="Dr A. Rivera",
        count=3,
        first=first,
        last=first + dt.timedelta(seconds=40),
        emergency=False,
    )
    assert same_minute == "Dr A. Rivera looked at 3 parts of your record on 2 Dec at 03:15."
    assert "between 03:15 and 03:15" not in same_minute
    spread = access_message(
        actor_name="Dr A. Rivera",
        count=3,
        first=first,
        last=first + dt.timedelta(minutes=25),
        emergency=True,
    )
    assert spread == (
        "Dr A. Rivera looked at 3 parts of your record under emergency access on 2 Dec between "
        "03:15 and 03:40."
    )
    overnight = access_message(
        actor_name="Dr A. Rivera",
        count=2,
        first=first.replace(hour=23, minute=50),
        last=first.replace(hour=23, minute=50) + dt.timedelta(minutes=20),
        emergency=False,
    )
    assert overnight.endswith("from 2 Dec 23:50 to 3 Dec 00:10.")


def test_the_portal_never_asks_a_signed_in_patient_to_sign_in(
    client, shared_record, patient, physician, patient_user
):
    read_record(client, physician, patient)
    client.force_login(patient_user)
    page = client.get("/portal/notifications/").content.decode()
    assert "Dr A. Rivera looked at your record" in page
    assert "sign in" not in page.lower().split("<main", 1)[1].split("</main>", 1)[0]


def test_the_notification_points_into_the_log_without_health_data(patient, physician):
    from accesslog.models import AccessAction, AccessBasis, AccessTarget
    from accesslog.notify import append_and_notify

    def read():
        return append_and_notify(
            patient=patient,
            actor=physician,
            action=AccessAction.VIEW,
            target=AccessTarget.RECORD,
            basis=AccessBasis.GRANT,
            purpose="treatment",
        )

    from notifications.models import Notification

    def told():
        return Notification.objects.get(recipient=patient.user, kind=NotificationKind.RECORD_ACCESS)

    first = read()
    notification = told()
    assert notification.message.endswith(f"Log entry 1, fingerprint {first.hash[:8]}.")
    second = read()  # coalesced into the same notification: it points at the newest entry
    assert told().pk == notification.pk
    notification.refresh_from_db()
    assert notification.message.endswith(f"Log entry 2, fingerprint {second.hash[:8]}.")
    assert "treatment" not in notification.message
