"""clinic.prepared: a query built and compiled once gives, for any values, what building it afresh
gives; a query whose SQL depends on its values is never prepared, and still answers right."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Exists, OuterRef
from django.utils import timezone

from clinic.models import User
from clinic.prepared import _UNPREPARABLE, DATETIME, INT, TEXT, PreparedQuery
from consent import selectors
from consent.models import ConsentGrant
from patients.models import Patient
from tests.factories import PatientFactory, PatientUserFactory, StaffFactory
from tests.factories.consent import grant


def _users_joined_before(user_id: int, joined_before: dt.datetime):
    return (
        User.objects.select_related("staff_profile")
        .annotate(has_grants=Exists(ConsentGrant.objects.filter(grantee_user=OuterRef("pk"))))
        .filter(pk__gte=user_id, date_joined__lt=joined_before)
        .order_by("pk")
    )


def test_same_objects_as_the_orm_for_any_values(db, django_assert_num_queries):
    staff = [StaffFactory() for _ in range(3)]
    query = PreparedQuery(_users_joined_before, user_id=INT, joined_before=DATETIME)
    later = timezone.now() + dt.timedelta(days=1)
    for first, before in [
        (staff[0].pk, later),
        (staff[2].pk, later),
        (staff[0].pk, staff[0].date_joined),
    ]:
        with django_assert_num_queries(1):
            prepared = query(user_id=first, joined_before=before)
        built = list(_users_joined_before(first, before))
        assert [u.pk for u in prepared] == [u.pk for u in built]
        with django_assert_num_queries(0):  # related rows and annotations came with the query
            assert [(u.staff_profile.display_name, u.has_grants) for u in prepared] == [
                (u.staff_profile.display_name, u.has_grants) for u in built
            ]
    assert query._compiled["default"] is not _UNPREPARABLE


def test_values_and_text_parameters(db):
    staff = StaffFactory()
    query = PreparedQuery(
        lambda email: User.objects.filter(email=email).values_list("pk", flat=True), email=TEXT
    )
    assert query(email=staff.email) == [staff.pk]
    assert query(email="nobody@example.org") == []
    assert query(email="x' OR '1'='1") == []  # a value, never SQL


def test_a_query_whose_sql_depends_on_its_value_is_not_prepared_and_still_answers(db):
    staff = [StaffFactory() for _ in range(3)]
    query = PreparedQuery(lambda n: User.objects.order_by("pk")[:n], n=INT)  # LIMIT is in the SQL
    assert [u.pk for u in query(n=2)] == [s.pk for s in staff[:2]]
    assert query._compiled["default"] is _UNPREPARABLE
    assert len(query(n=3)) == 3


def test_none_is_run_through_the_orm(db):
    linked = PatientUserFactory().patient
    unlinked = PatientFactory()
    query = PreparedQuery(lambda user_id: Patient.objects.filter(user_id=user_id), user_id=INT)
    assert query(user_id=linked.user_id) == [linked]
    assert query(user_id=None) == [unlinked]  # IS NULL, not "= NULL"


def test_grants_in_force_change_with_the_clock(db, physician):
    patient = PatientFactory()
    given = grant(
        patient=patient, grantee=physician, expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    now = timezone.now()
    assert [g.pk for g in selectors.grants_in_force_for(physician, patient.pk, now=now)] == [
        given.pk
    ]
    later = now + dt.timedelta(hours=2)
    assert selectors.grants_in_force_for(physician, patient.pk, now=later) == []
    other = StaffFactory()
    assert selectors.grants_in_force_for(other, patient.pk, now=now) == []


def test_unknown_kinds_are_refused():
    with pytest.raises(ValueError):
        PreparedQuery(lambda x: User.objects.filter(pk=x), x="float")._compile("default")


def test_sessions_load_and_expire_as_before(client, patient_user):
    from clinic.models import Session
    from clinic.sessions import SessionStore

    client.force_login(patient_user)
    key = client.session.session_key
    assert SessionStore(key).load()["_auth_user_id"] == str(patient_user.pk)
    assert client.get("/portal/").status_code == 200
    Session.objects.filter(session_key=key).update(expire_date=timezone.now())
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None  # an expired session is never revived
    assert client.get("/portal/").status_code == 302  # to the sign-in page


def _postgresql_only() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (make test-postgres)")


def _prepared_statements() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [row[0] for row in cursor.fetchall()]


def _read_twice(client, physician) -> tuple[str, str]:
    from tests.factories import RecordEntryFactory

    patient = PatientUserFactory().patient
    entries = [RecordEntryFactory(patient=patient, title=f"Entry {n}") for n in range(2)]
    grant(patient, physician)
    client.force_login(physician)
    pages = [
        client.get(f"/staff/patients/{patient.pk}/entries/{entry.pk}/").content.decode()
        for entry in entries
    ]
    return pages[0], pages[1]


@pytest.mark.postgres
def test_postgresql_plans_the_hot_statements_once_per_connection(client, physician, settings):
    """A clinician's read runs its hot statements prepared (planned once per connection): the
    session, the user, the grants in force, the entry, the chain's append and the coalesced
    notification; the pages and the log are what they always were."""
    from accesslog.models import AccessEvent
    from notifications.models import Notification

    _postgresql_only()
    settings.DB_PREPARED_STATEMENTS = True
    first, second = _read_twice(client, physician)
    assert "Entry 0" in first and "Entry 1" in second
    prepared = _prepared_statements()
    for table in [
        "clinic_session",
        "consent_consentgrant",
        "patients_recordentry",
        "accesslog_accesschainhead",
        "accesslog_accessevent",
        "notifications_notification",
    ]:
        assert any(table in statement for statement in prepared), table
    assert AccessEvent.objects.filter(actor=physician).count() == 2
    assert Notification.objects.get(actor=physician).event_count == 2


@pytest.mark.postgres
def test_prepared_statements_can_be_turned_off(client, physician, settings):
    """DB_PREPARED_STATEMENTS=false (a pooler that cannot keep them): nothing is prepared, and
    the reads are the same."""
    from django.db import connection

    from accesslog.models import AccessEvent

    _postgresql_only()
    settings.DB_PREPARED_STATEMENTS = False
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    first, second = _read_twice(client, physician)
    assert "Entry 0" in first and "Entry 1" in second
    assert _prepared_statements() == []
    assert AccessEvent.objects.filter(actor=physician).count() == 2
