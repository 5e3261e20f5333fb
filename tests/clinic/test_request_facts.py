"""What every page needs of the signed-in person (the user, their role, whether two-step
verification is set up, the navigation badges) is read once per request, fresh every request."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import services as outbox
from notifications.models import Notification, NotificationKind
from patients.models import Appointment, AppointmentKind
from tests.factories import concern, emergency_access, grant
from tests.factories.education import AssignmentFactory
from tests.support.access_log import log_reads

# The patient's home, at most: the session with the user, their patient record, site and MFA
# status (1, clinic/sessions.py); every count and single value on the page in one query: the
# navigation badges, sharing and requests, looks this month and the verification mark, open
# concerns, when each tool was first used and what the visit showed, and whether an appointment,
# an assignment or an open emergency access exists (1, patients.views.home_figures); the lists,
# each only when there is something in it: articles to read, emergency accesses open now, the next
# appointment (3).
PORTAL_HOME = 5


def _notify(user, n: int) -> None:
    outbox.notify(
        recipient=user, kind=NotificationKind.RECORD_ACCESS, message=f"Note {n}", link="/portal/"
    )


@pytest.mark.parametrize("size", [1, 20])
def test_portal_home_query_count_is_flat(
    client, patient, patient_user, physician, size, django_assert_num_queries
):
    grant(patient, physician)
    for n in range(size):
        _notify(patient_user, n)
        AssignmentFactory(patient=patient, assigned_by=physician)
        concern(patient)
    for n in range(size):  # every list on the home has something in it
        Appointment.objects.create(
            patient=patient,
            site=patient.site,
            starts_at=timezone.now() + dt.timedelta(days=n + 1),
            with_staff=physician,
            kind=AppointmentKind.CHECK_UP,
            booked_by=physician,
        )
    log_reads(patient, physician, size)
    emergency_access(physician, patient)
    client.force_login(patient_user)
    client.get("/portal/")  # the session's first page notes things once
    with django_assert_num_queries(PORTAL_HOME):
        response = client.get("/portal/")
    assert response.status_code == 200
    page = response.content.decode()
    unread = Notification.objects.filter(recipient=patient_user, read_at__isnull=True).count()
    assert unread > size
    assert f'<span class="badge">{unread}<span class="visually-hidden"> unread' in page
    assert f'<span class="badge">{size}<span class="visually-hidden"> new articles' in page
    concerns = page.split("<dt>Your open concerns</dt>")[1].split("</dd>")[0]
    assert f"<strong>{size}</strong>" in concerns
    assert "Your next appointment:" in page
    assert "Your record is open in an emergency" in page


def test_user_role_and_mfa_status_are_one_query(client, physician):
    client.force_login(physician)
    client.get("/staff/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/staff/").status_code == 200
    users = [q["sql"] for q in queries.captured_queries if '"clinic_user"."password"' in q["sql"]]
    assert len(users) == 1
    assert "clinic_staffprofile" in users[0]
    assert "mfa_authenticator" in users[0]
    others = [q["sql"] for q in queries.captured_queries if q["sql"] != users[0]]
    assert not any('FROM "clinic_staffprofile"' in sql for sql in others)
    assert not any('FROM "mfa_authenticator"' in sql for sql in others)
    assert not any('FROM "clinic_site"' in sql for sql in others)


def test_removed_authenticator_counts_on_the_next_request(client, physician):
    client.force_login(physician)
    assert client.get("/staff/").status_code == 200
    Authenticator.objects.filter(user=physician).delete()
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_changed_role_counts_on_the_next_request(client, physician):
    client.force_login(physician)
    assert client.get("/staff/patients/").status_code == 200
    physician.staff_profile.role = "front_desk"
    physician.staff_profile.save()
    assert client.get("/staff/patients/").status_code == 403


def test_badge_drops_as_soon_as_notifications_are_read(client, patient_user):
    _notify(patient_user, 1)
    client.force_login(patient_user)
    assert '<span class="badge">1<span class="visually-hidden"> unread' in (
        client.get("/portal/").content.decode()
    )
    outbox.mark_all_read(user=patient_user)
    assert "unread</span>" not in client.get("/portal/").content.decode()
