"""Staff have a notifications page like patients: their own messages only, unread count in the
navigation, mark all as read."""

from __future__ import annotations

from notifications.models import Notification, NotificationKind
from notifications.services import notify


def _note(user, message="A patient raised a concern on 2 Dec."):
    return notify(
        recipient=user, kind=NotificationKind.CONCERN_RAISED, message=message, link="/staff/"
    )


def test_staff_see_their_own_notifications_only(client, privacy_officer, physician):
    _note(privacy_officer)
    _note(physician, "Not for the privacy officer")
    client.force_login(privacy_officer)
    page = client.get("/staff/notifications/").content.decode()
    assert "A patient raised a concern on 2 Dec." in page
    assert "Not for the privacy officer" not in page
    assert 'href="/staff/notifications/"' in page  # in the navigation, with its unread count


def test_mark_all_read(client, physician):
    _note(physician)
    client.force_login(physician)
    assert client.post("/staff/notifications/read/").status_code == 302
    assert not Notification.objects.filter(recipient=physician, read_at__isnull=True).exists()


def test_patients_use_their_own_page(client, patient_user):
    client.force_login(patient_user)
    assert client.get("/staff/notifications/").status_code == 403


def test_flat_query_count(client, physician, django_assert_max_num_queries):
    for n in range(30):
        _note(physician, f"Message {n}")
    client.force_login(physician)
    with django_assert_max_num_queries(10):
        assert client.get("/staff/notifications/").status_code == 200
