"""Raising a concern: bad input changes nothing; the queue is for privacy officers only."""

from __future__ import annotations

import pytest

from feedback.models import Grievance


@pytest.mark.parametrize("description", ["", "   ", "x" * 5001])
def test_bad_description_is_refused_with_a_message(client, patient_user, description):
    client.force_login(patient_user)
    response = client.post("/portal/feedback/concern/", {"description": description})
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    assert not Grievance.objects.exists()


@pytest.mark.parametrize("event", ["abc", "-1", "99999999999999999999", "<script>"])
def test_a_bogus_event_id_is_ignored_not_an_error(client, patient_user, event):
    client.force_login(patient_user)
    assert client.get(f"/portal/feedback/concern/?event={event}").status_code == 200
    response = client.post("/portal/feedback/concern/", {"description": "odd", "event": event})
    assert response.status_code in (200, 302)
    assert all(g.access_event is None for g in Grievance.objects.all())


def test_only_privacy_officers_see_the_grievance_queue(
    client, front_desk, physician, clinic_admin, privacy_officer
):
    for user in (front_desk, physician, clinic_admin):
        client.force_login(user)
        assert client.get("/staff/privacy/grievances/").status_code == 403
        assert client.get("/staff/privacy/emergency/").status_code == 403
    client.force_login(privacy_officer)
    assert client.get("/staff/privacy/grievances/").status_code == 200
    assert client.get("/staff/privacy/emergency/").status_code == 200


def test_staff_cannot_raise_a_patient_concern(client, physician):
    client.force_login(physician)
    assert client.post("/portal/feedback/concern/", {"description": "x"}).status_code == 403
    assert not Grievance.objects.exists()
