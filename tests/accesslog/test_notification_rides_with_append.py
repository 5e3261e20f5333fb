"""A read counted in a recent notification rides with the append: on PostgreSQL the notification
is found with the chain head's lock and updated in the append's statement, two statements fewer
than before, with the same words, the same count, and one notification however reads collide."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accesslog.chain import verify_chain
from accesslog.models import AccessAction, AccessBasis, AccessEvent, AccessTarget
from accesslog.notify import append_and_notify
from consent import services
from notifications.models import Notification, NotificationKind
from patients.models import RecordCategory
from tests.factories import (
    PatientFactory,
    PatientUserFactory,
    ProxyAccessFactory,
    RecordEntryFactory,
    frozen_time,
    grant,
)
from tests.support.waiting import wait_for

# A coalesced read of one entry by a physician, in a test (two of them the test's savepoint): the
# session with the user, the grants in force, the entry, the badges; the head with the recent
# notification (1); the event, its reader, the new head and the notification's new count and
# words (1 statement on PostgreSQL; 4 on SQLite). Before the notification rode with the append it
# took two more on PostgreSQL (an UPDATE ... RETURNING to count, one to re-word); SQLite writes
# what it wrote before, one statement fewer (the count and the words in one UPDATE).
ENTRY_READ_AGAIN = {"postgresql": 8, "sqlite": 11}


def notifications_of(patient):
    return Notification.objects.filter(recipient=patient.user, kind=NotificationKind.RECORD_ACCESS)


def fingerprint(patient, sequence: int) -> str:
    digest = AccessEvent.objects.get(patient=patient, sequence=sequence).hash
    return f"Log entry {sequence}, fingerprint {digest[:8]}."


def tomorrow_at(hour: int, minute: int) -> dt.datetime:
    """A moment tomorrow in the clinic's time (the grants given now are in force then)."""
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def day_text(moment: dt.datetime) -> str:
    """ "3 Dec", as the message writes the day (built here, not by the code under test)."""
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b}"


@pytest.fixture
def carer_user(db, site):
    return PatientUserFactory(
        email="ana@example.org", patient__site=site, patient__legal_name="Ana Santos"
    )


@pytest.fixture
def entries(patient, physician):
    return [
        RecordEntryFactory(patient=patient, author=physician, category=RecordCategory.LAB_RESULT)
        for _ in range(3)
    ]


def read_entry(client, physician, patient, entry) -> None:
    client.force_login(physician)  # the session's idle limit follows the frozen clock
    response = client.get(f"/staff/patients/{patient.pk}/entries/{entry.pk}/")
    assert response.status_code == 200


def test_a_coalesced_entry_read_costs_two_statements_fewer(
    client, patient, physician, entries, django_assert_num_queries
):
    grant(patient, physician)
    read_entry(
        client, physician, patient, entries[0]
    )  # creates the chain head and the notification
    path = f"/staff/patients/{patient.pk}/entries/{entries[1].pk}/"
    with django_assert_num_queries(ENTRY_READ_AGAIN[connection.vendor]) as captured:
        assert client.get(path).status_code == 200
    writes = [
        query["sql"]
        for query in captured.captured_queries
        if "UPDATE notifications_notification" in query["sql"]
        or "INSERT INTO notifications_notification" in query["sql"]
    ]
    assert len(writes) == 1
    if connection.vendor == "postgresql":  # the notification is updated by the append's statement
        assert writes[0].startswith("WITH ") and "INSERT INTO accesslog_accessevent" in writes[0]
    notification = notifications_of(patient).get()
    assert notification.event_count == 2
    assert notification.message.startswith("Dr A. Rivera looked at 2 parts of your record on ")


def test_the_words_after_one_two_and_three_reads_are_as_before(client, patient, physician, entries):
    grant(patient, physician)
    times = [tomorrow_at(3, 15), tomorrow_at(3, 25), tomorrow_at(3, 40)]
    day = day_text(times[0])
    expected = [
        f"Dr A. Rivera looked at your record on {day} at 03:15.",
        f"Dr A. Rivera looked at 2 parts of your record on {day} between 03:15 and 03:25.",
        f"Dr A. Rivera looked at 3 parts of your record on {day} between 03:15 and 03:40.",
    ]
    for n, (moment, entry) in enumerate(zip(times, entries, strict=True), start=1):
        with frozen_time(moment):
            read_entry(client, physician, patient, entry)
        notification = notifications_of(patient).get()
        assert notification.message == f"{expected[n - 1]} {fingerprint(patient, n)}"
        assert notification.event_count == n
        assert notification.first_event_at == times[0]
        assert notification.last_event_at == moment


def test_a_read_counted_in_makes_the_notification_unread_again(client, patient, physician, entries):
    grant(patient, physician)
    read_entry(client, physician, patient, entries[0])
    notifications_of(patient).update(read_at=timezone.now())
    read_entry(client, physician, patient, entries[1])
    assert notifications_of(patient).get().read_at is None


def test_an_earlier_emergency_read_keeps_its_words_when_later_reads_are_on_a_grant(
    client, patient, physician, entries
):
    times = [tomorrow_at(9, 0), tomorrow_at(9, 10), tomorrow_at(9, 20)]
    day = day_text(times[0])
    with frozen_time(times[0] - dt.timedelta(minutes=1)):
        services.open_emergency_access(
            physician=physician, patient=patient, reason="Collapsed in clinic, needs allergies"
        )
    with frozen_time(times[0]):
        read_entry(client, physician, patient, entries[0])  # under emergency access
    with frozen_time(times[1] - dt.timedelta(minutes=1)):
        grant(patient, physician)
    for moment, entry in zip(times[1:], entries[1:], strict=True):
        with frozen_time(moment):
            read_entry(client, physician, patient, entry)  # on the grant
    bases = AccessEvent.objects.filter(patient=patient).order_by("sequence")
    assert list(bases.values_list("basis", flat=True)) == [
        AccessBasis.EMERGENCY,
        AccessBasis.GRANT,
        AccessBasis.GRANT,
    ]
    notification = notifications_of(patient).get()
    assert notification.message == (
        f"Dr A. Rivera looked at 3 parts of your record under emergency access on {day} "
        f"between 09:00 and 09:20. {fingerprint(patient, 3)}"
    )


def test_a_coalesced_read_is_worded_in_the_patients_language(client, patient, physician, entries):
    patient.preferred_language = "es"
    patient.save(update_fields=["preferred_language"])
    grant(patient, physician)
    for entry in entries[:2]:
        read_entry(client, physician, patient, entry)
    message = notifications_of(patient).get().message
    assert " 2 partes de su historial " in message, message
    digest = AccessEvent.objects.get(patient=patient, sequence=2).hash[:8]
    assert message.endswith(f"Anotación 2 del registro, huella {digest}.")


def test_a_read_after_the_window_starts_a_new_notification(client, patient, physician, entries):
    grant(patient, physician)
    start = tomorrow_at(10, 0)
    with frozen_time(start):
        read_entry(client, physician, patient, entries[0])
    with frozen_time(start + dt.timedelta(minutes=30)):  # the window includes its last minute
        read_entry(client, physician, patient, entries[1])
    with frozen_time(start + dt.timedelta(minutes=61)):
        read_entry(client, physician, patient, entries[2])
    counts = list(notifications_of(patient).order_by("pk").values_list("event_count", flat=True))
    assert counts == [2, 1]
    newest = notifications_of(patient).order_by("pk").last()
    assert newest.message.startswith("Dr A. Rivera looked at your record on ")
    assert newest.message.endswith(fingerprint(patient, 3))


def log_read(patient, actor, **fields) -> AccessEvent:
    return append_and_notify(
        patient=patient,
        actor=actor,
        action=AccessAction.VIEW,
        target=AccessTarget.RECORD,
        purpose="treatment",
        **{"basis": AccessBasis.GRANT, **fields},
    )


def test_a_patient_without_an_account_is_not_told(db, site, physician):
    patient = PatientFactory(site=site)
    event = log_read(patient, physician)
    assert event.sequence == 1
    assert not Notification.objects.filter(kind=NotificationKind.RECORD_ACCESS).exists()


def test_own_reads_and_a_proxy_told_not_to_notify_write_no_notification(
    patient, patient_user, carer_user, django_assert_max_num_queries
):
    access = ProxyAccessFactory(patient=patient, proxy=carer_user.patient, notify_patient=False)
    log_read(patient, patient_user, basis=AccessBasis.SELF)  # creates the head
    with django_assert_max_num_queries(4):  # the head, then the event (3 more on SQLite)
        log_read(patient, patient_user, basis=AccessBasis.SELF)
    log_read(
        patient,
        carer_user,
        basis=AccessBasis.PROXY,
        proxy_access=access,
        actor_relationship="carer",
    )
    assert not Notification.objects.filter(kind=NotificationKind.RECORD_ACCESS).exists()
    assert AccessEvent.objects.filter(patient=patient).count() == 3


def test_a_proxy_read_is_told_with_who_they_are(patient, carer_user):
    access = ProxyAccessFactory(patient=patient, proxy=carer_user.patient)
    for _ in range(2):
        log_read(
            patient,
            carer_user,
            basis=AccessBasis.PROXY,
            proxy_access=access,
            actor_relationship="carer",
        )
    message = notifications_of(patient).get().message
    assert message.startswith("Ana Santos, as your carer, looked at 2 parts of your record on ")


# --- collisions: reads of one record from several connections (PostgreSQL only) ---------------


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections: PostgreSQL only")


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


@pytest.mark.parametrize("chain_exists", [True, False])
@pytest.mark.django_db(transaction=True)
def test_a_read_that_waited_for_the_lock_counts_in_the_notification_its_holder_wrote(
    patient, patient_user, physician, chain_exists
):
    """The holder's is the physician's first read (it writes the notification); the waiter's
    statement started before that commit, so what it read with the head's lock is stale: it must
    look again and count itself in, not write a second notification. (When the chain is new, the
    waiter finds no head, waits to create it and reads everything again.)"""
    _needs_postgresql()
    before = 0
    if chain_exists:
        log_read(patient, patient_user, basis=AccessBasis.SELF)  # nobody told
        before = 1
    appended, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                log_read(patient, physician)
                appended.set()
                assert release.wait(20)
        except BaseException as error:
            errors.append(error)
        finally:
            appended.set()
            connection.close()

    waiter_statements: list[str] = []

    def second() -> None:
        try:
            with transaction.atomic(), CaptureQueriesContext(connection) as captured:
                log_read(patient, physician)
            waiter_statements.extend(query["sql"] for query in captured.captured_queries)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    holder = threading.Thread(target=first)
    holder.start()
    assert appended.wait(20)
    waiter = threading.Thread(target=second)
    waiter.start()
    assert wait_for(_waiting_for_a_lock, timeout=20)
    release.set()
    holder.join(20)
    waiter.join(20)
    assert errors == []
    if chain_exists:  # the waiter found its first lookup stale and looked again under the lock
        looked_again = [sql.startswith("SELECT recent.id") for sql in waiter_statements]
        assert looked_again == [False, True, False]
    notification = notifications_of(patient).get()
    assert notification.event_count == 2
    assert notification.message.startswith("Dr A. Rivera looked at 2 parts of your record on ")
    assert notification.message.endswith(fingerprint(patient, before + 2))
    assert verify_chain(patient.pk) is None


@pytest.mark.django_db(transaction=True)
def test_reads_that_collide_make_one_notification_with_every_read_counted(patient, physician):
    _needs_postgresql()
    readers = 6
    start = threading.Barrier(readers)
    errors: list[BaseException] = []

    def read() -> None:
        try:
            start.wait(20)
            for _ in range(3):
                with transaction.atomic():
                    log_read(patient, physician)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    notification = notifications_of(patient).get()
    assert notification.event_count == readers * 3
    assert notification.message.endswith(fingerprint(patient, readers * 3))
    assert f"looked at {readers * 3} parts of your record" in notification.message
    assert verify_chain(patient.pk) is None
