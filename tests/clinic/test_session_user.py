"""The session and the signed-in person in one query (clinic/sessions.py, clinic/auth.py): the
session's row is loaded joined to its user, and Django's own checks still decide who is signed
in, on every request, from what the database holds at that moment. (A role changed between two
requests is tested with the other per-request facts, in tests/clinic/test_request_facts.py.)"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clinic import auth as clinic_auth
from clinic.models import Session
from clinic.sessions import SessionStore
from clinic.tasks import clear_expired_sessions
from tests.factories import DEFAULT_PASSWORD, UserFactory, add_totp

LOGIN = "/accounts/login/"
# The staff home: the session with the user, their role and two-step status (1); the badges,
# the page's own figures (3).
STAFF_HOME = 4
# The home of a patient with nothing to list (tests/clinic/test_request_facts.py says what each
# query is): the session with the user, and the home's figures with the badges.
PORTAL_HOME = 2


def _without_the_loaded_user(monkeypatch) -> None:
    """As before this change: the backends always query the user."""
    monkeypatch.setattr(SessionStore, "take_loaded_user", lambda self, user_id: None)


def _row(client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def _signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


# --- One query fewer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "path", "queries"),
    [("physician", "/staff/", STAFF_HOME), ("patient_user", "/portal/", PORTAL_HOME)],
)
def test_a_signed_in_page_costs_one_query_fewer(
    request, client, persona, path, queries, monkeypatch, django_assert_num_queries
):
    client.force_login(request.getfixturevalue(persona))
    client.get(path)  # the session's first page notes things once
    with monkeypatch.context() as before:
        _without_the_loaded_user(before)
        with django_assert_num_queries(queries + 1):
            assert client.get(path).status_code == 200
    with django_assert_num_queries(queries):
        assert client.get(path).status_code == 200


def test_the_session_query_brings_the_user_role_and_two_step_status(client, physician):
    client.force_login(physician)
    client.get("/staff/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/staff/").status_code == 200
    sessions = [q["sql"] for q in queries.captured_queries if '"clinic_session"' in q["sql"]]
    assert len(sessions) == 1
    for table in ['"clinic_user"', '"clinic_staffprofile"', '"mfa_authenticator"']:
        assert table in sessions[0]
    users = [q["sql"] for q in queries.captured_queries if '"clinic_user"."password"' in q["sql"]]
    assert users == sessions  # the user is not loaded again


# --- Django's checks still decide ---------------------------------------------------------------


def test_a_password_changed_elsewhere_signs_the_session_out(client, patient_user):
    client.force_login(patient_user)
    assert client.get("/portal/").status_code == 200
    key = client.cookies["sessionid"].value
    patient_user.set_password("a new passphrase chosen elsewhere")
    patient_user.save()
    assert _signed_out(client.get("/portal/"))
    assert not Session.objects.filter(session_key=key).exists()  # flushed


def test_a_session_hashed_with_a_previous_secret_key_stays_signed_in(
    client, patient_user, settings
):
    client.force_login(patient_user)
    old_key = client.cookies["sessionid"].value
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a rotated secret key, long enough to be a real one, 0123456789"
    response = client.get("/portal/")
    assert response.status_code == 200
    assert "Hello, Maria Santos" in response.content.decode()
    row = _row(client)
    assert row.session_key != old_key  # Django cycles the key when a fallback matched
    assert row.user_id == patient_user.pk
    assert row.get_decoded()[HASH_SESSION_KEY] == patient_user.get_session_auth_hash()


def test_a_deactivated_account_is_signed_out_on_the_next_request(client, patient_user):
    client.force_login(patient_user)
    assert client.get("/portal/").status_code == 200
    patient_user.is_active = False
    patient_user.save()
    assert _signed_out(client.get("/portal/"))


def test_an_added_or_removed_authenticator_counts_on_the_next_request(client, db):
    from clinic.models import Role
    from tests.factories import StaffFactory

    staff = StaffFactory(role=Role.PHYSICIAN, mfa=False)
    client.force_login(staff)
    assert client.get("/staff/")["Location"] == "/accounts/2fa/totp/activate/"
    add_totp(staff)
    assert client.get("/staff/").status_code == 200
    Authenticator.objects.filter(user=staff).delete()
    assert client.get("/staff/")["Location"] == "/accounts/2fa/totp/activate/"


def test_a_session_never_yields_another_persons_user(patient_user, other_patient_user, physician):
    browsers = {}
    for user, name in [
        (patient_user, "Maria Santos"),
        (other_patient_user, "Thomas Whitfield"),
    ]:
        browsers[name] = Client()
        browsers[name].force_login(user)
    for _ in range(3):
        for name, browser in browsers.items():
            page = browser.get("/portal/").content.decode()
            assert f"Hello, {name}" in page
            assert all(f"Hello, {other}" not in page for other in browsers if other != name)


def test_the_row_s_user_column_alone_signs_nobody_in(client, patient_user, other_patient_user):
    """The column only says whom to load with the row: the session's data names the user, and a
    row whose column names someone else (written by anything but the store) gets the user the
    data names, loaded on its own."""
    client.force_login(patient_user)
    Session.objects.filter(pk=client.cookies["sessionid"].value).update(user=other_patient_user)
    page = client.get("/portal/").content.decode()
    assert "Hello, Maria Santos" in page
    assert "Thomas Whitfield" not in page


def test_a_session_without_a_signed_in_user_loads_nobody(client, patient_user):
    store = SessionStore()
    store["something"] = "kept"
    store.create()
    assert Session.objects.get(pk=store.session_key).user_id is None
    client.cookies["sessionid"] = store.session_key
    assert _signed_out(client.get("/portal/"))
    loaded = SessionStore(store.session_key)
    assert loaded["something"] == "kept"
    assert loaded.take_loaded_user(patient_user.pk) is None


def test_the_loaded_user_is_given_once_and_only_for_their_id(
    client, patient_user, other_patient_user
):
    client.force_login(patient_user)
    store = SessionStore(client.cookies["sessionid"].value)
    assert store[SESSION_KEY] == str(patient_user.pk)  # loads the row
    assert store.take_loaded_user(other_patient_user.pk) is None
    assert store.take_loaded_user(patient_user.pk) is None  # the wrong ask spent it
    store = SessionStore(client.cookies["sessionid"].value)
    store.load()
    taken = store.take_loaded_user(patient_user.pk)
    assert taken.pk == patient_user.pk and taken.patient.legal_name == "Maria Santos"
    assert store.take_loaded_user(patient_user.pk) is None


def test_nothing_of_the_request_is_left_for_another_request_or_thread(client, patient_user):
    seen_by_other_thread = []

    def look():
        seen_by_other_thread.append(clinic_auth._loading_for_session.get())

    original = clinic_auth.auth.get_user

    def get_user_looking_from_another_thread(request):
        assert clinic_auth._loading_for_session.get() is request.session
        thread = threading.Thread(target=look)
        thread.start()
        thread.join()
        return original(request)

    client.force_login(patient_user)
    clinic_auth.auth.get_user = get_user_looking_from_another_thread
    try:
        assert client.get("/portal/").status_code == 200
    finally:
        clinic_auth.auth.get_user = original
    assert seen_by_other_thread == [None]
    assert clinic_auth._loading_for_session.get() is None  # reset once the request had its user


# --- The session's life -------------------------------------------------------------------------


def test_an_expired_session_signs_nobody_in(client, patient_user):
    client.force_login(patient_user)
    key = client.cookies["sessionid"].value
    Session.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert _signed_out(client.get("/portal/"))
    store = SessionStore(key)
    assert store.load() == {}
    assert store.take_loaded_user(patient_user.pk) is None


def test_a_tampered_cookie_signs_nobody_in(client, patient_user):
    client.force_login(patient_user)
    key = client.cookies["sessionid"].value
    client.cookies["sessionid"] = key[:-1] + ("a" if key[-1] != "a" else "b")
    assert _signed_out(client.get("/portal/"))
    assert Session.objects.get(pk=key).user_id == patient_user.pk  # the real one is untouched


def test_tampered_session_data_signs_nobody_in_whatever_the_column_says(client, patient_user):
    client.force_login(patient_user)
    row = _row(client)
    Session.objects.filter(pk=row.pk).update(session_data=row.session_data[:-2] + "xx")
    assert _signed_out(client.get("/portal/"))


def test_signing_in_cycles_the_key_and_the_new_row_names_the_user(client, patient_user):
    client.get(LOGIN)
    anonymous = client.session  # an anonymous session with a row of its own
    anonymous["before"] = True
    anonymous.save()
    before = anonymous.session_key
    assert Session.objects.get(pk=before).user_id is None
    response = client.post(LOGIN, {"login": patient_user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    row = _row(client)
    assert row.session_key != before
    assert row.user_id == patient_user.pk
    assert not Session.objects.filter(pk=before).exists()


def test_signing_out_deletes_the_row(client, patient_user):
    client.post(LOGIN, {"login": patient_user.email, "password": DEFAULT_PASSWORD})
    key = client.cookies["sessionid"].value
    assert Session.objects.filter(pk=key, user=patient_user).exists()
    client.post("/accounts/logout/")
    assert not Session.objects.filter(pk=key).exists()
    assert not Session.objects.filter(user=patient_user).exists()


def test_deleting_an_account_deletes_its_sessions(patient_user, other_patient_user):
    browsers = [Client(), Client(), Client()]
    browsers[0].force_login(patient_user)
    browsers[1].force_login(patient_user)
    browsers[2].force_login(other_patient_user)
    assert Session.objects.filter(user=patient_user).count() == 2
    patient_user.delete()
    assert not Session.objects.filter(user_id=patient_user.pk).exists()
    assert _signed_out(browsers[0].get("/portal/"))
    assert browsers[2].get("/portal/").status_code == 200


def test_the_hourly_task_clears_expired_sessions_only(patient_user):
    live, expired = Client(), Client()
    live.force_login(patient_user)
    expired.force_login(patient_user)
    Session.objects.filter(pk=expired.cookies["sessionid"].value).update(
        expire_date=timezone.now() - dt.timedelta(minutes=1)
    )
    assert clear_expired_sessions() == 1
    assert list(Session.objects.values_list("pk", flat=True)) == [live.cookies["sessionid"].value]
    assert clear_expired_sessions() == 0


def test_a_session_key_is_never_shown_as_the_row_s_name(patient_user):
    client = Client()
    client.force_login(patient_user)
    row = _row(client)
    assert row.session_key not in str(row)


@pytest.mark.django_db(transaction=True)
def test_a_session_for_an_account_deleted_meanwhile_is_saved_without_it():
    """The column's foreign key refuses a deleted user; saving the session must not retry new
    keys for ever (Django's `create` retries on a taken key): it is saved without the user, whom
    Django's `get_user` then does not find."""
    gone = UserFactory()
    gone_id = gone.pk
    gone.delete()
    store = SessionStore()
    store[SESSION_KEY] = str(gone_id)
    store.create()
    row = Session.objects.get(pk=store.session_key)
    assert row.user_id is None
    assert row.get_decoded()[SESSION_KEY] == str(gone_id)
