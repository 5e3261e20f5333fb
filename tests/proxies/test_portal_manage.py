"""The portal's proxy pages: "People who act for you" on the sharing page with its one-POST "End
access", the invitation page, and the proxy's "People you help" with "Stop acting for X"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification, NotificationKind
from proxies.models import ProxyAccess, ProxyChange, ProxyStatus
from tests.factories import PatientUserFactory
from tests.proxies import manage_support
from tests.proxies.manage_support import (
    HOSTILE_TEXTS,
    invite,
    link_attorney,
    link_carer,
    link_parent,
    years_ago,
)

carer_user, carer, child = manage_support.carer_user, manage_support.carer, manage_support.child


def _invite_data(**overrides) -> dict:
    return {
        "name": "Ana Santos",
        "email": "ana@example.org",
        "relationship": "family",
        "areas": ["record", "education"],
        "record_categories": ["medication", "allergy"],
        "ends_on": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
        "notify_patient": "on",
        **overrides,
    }


def _snapshot():
    return (
        list(ProxyAccess.objects.values_list()),
        list(ProxyChange.objects.values_list()),
        Notification.objects.count(),
    )


# --- the sharing page ---------------------------------------------------------------------------


def test_the_sharing_page_lists_people_who_act_for_the_patient(
    client, patient_user, patient, carer, front_desk
):
    access = link_carer(patient, carer, front_desk, record_categories=["lab_result"])
    invite(patient, name="Pat Jones", email="pat@example.org")
    client.force_login(patient_user)

    page = client.get(reverse("portal:sharing")).content.decode()

    assert "People who act for you" in page
    assert "Ana Santos, your carer" in page
    assert "read lab results in the health record (not entries marked sensitive)" in page
    assert "see who looked at the record" in page
    assert f"until {access.last_day:%-d %B %Y}" in page
    assert f'action="{reverse("portal:proxy_end", args=[access.pk])}"' in page
    assert "Pat Jones" in page and "Cancel the invitation" in page
    assert reverse("portal:proxy_invite") in page


def test_end_access_is_one_post_and_takes_effect_at_once(
    client, patient_user, patient, carer, carer_user, front_desk
):
    access = link_carer(patient, carer, front_desk)
    client.force_login(patient_user)

    response = client.post(reverse("portal:proxy_end", args=[access.pk]), follow=True)

    access.refresh_from_db()
    assert access.status == ProxyStatus.ENDED and access.ended_by == patient_user
    page = response.content.decode()
    assert "Ana Santos can no longer act for you" in page and "They have been told" in page
    assert Notification.objects.filter(
        recipient=carer_user, kind=NotificationKind.PROXY_ACTING_ENDED
    ).exists()
    again = client.post(reverse("portal:proxy_end", args=[access.pk]), follow=True)
    assert "already ended" in again.content.decode()
    assert Notification.objects.filter(kind=NotificationKind.PROXY_ACTING_ENDED).count() == 1


def test_the_link_in_the_notice_asks_before_ending(
    client, patient_user, patient, carer, front_desk
):
    access = link_carer(patient, carer, front_desk)
    note = Notification.objects.get(
        recipient=patient_user, kind=NotificationKind.PROXY_FOR_YOU_STARTED
    )
    client.force_login(patient_user)

    page = client.get(note.link).content.decode()

    assert "End the access of Ana Santos" in page and "End it now" in page
    access.refresh_from_db()
    assert access.status == ProxyStatus.ACTIVE


def test_cancelling_an_invitation(client, patient_user, patient):
    access = invite(patient)
    client.force_login(patient_user)
    response = client.post(reverse("portal:proxy_end", args=[access.pk]), follow=True)
    access.refresh_from_db()
    assert access.status == ProxyStatus.ENDED
    assert "You cancelled the invitation of Ana Santos" in response.content.decode()


def test_another_patient_cannot_see_or_end_an_access(
    client, other_patient_user, patient, carer, front_desk
):
    access = link_carer(patient, carer, front_desk)
    client.force_login(other_patient_user)
    before = _snapshot()
    assert client.get(reverse("portal:proxy_end", args=[access.pk])).status_code == 404
    assert client.post(reverse("portal:proxy_end", args=[access.pk])).status_code == 404
    assert "Ana Santos" not in client.get(reverse("portal:sharing")).content.decode()
    assert _snapshot() == before


def test_the_proxy_cannot_use_the_patients_end_page(client, carer_user, patient, carer, front_desk):
    access = link_carer(patient, carer, front_desk)
    client.force_login(carer_user)
    assert client.post(reverse("portal:proxy_end", args=[access.pk])).status_code == 404
    access.refresh_from_db()
    assert access.status == ProxyStatus.ACTIVE


def test_an_attorney_is_not_ended_by_the_patient_in_the_portal(
    client, patient_user, patient, carer, front_desk
):
    access = link_attorney(patient, carer, front_desk)
    client.force_login(patient_user)

    page = client.get(reverse("portal:sharing")).content.decode()
    assert "speak to the front desk" in page
    assert f'action="{reverse("portal:proxy_end", args=[access.pk])}"' not in page
    response = client.post(reverse("portal:proxy_end", args=[access.pk]), follow=True)
    assert "You cannot end this access" in response.content.decode()
    access.refresh_from_db()
    assert access.status == ProxyStatus.ACTIVE


@pytest.mark.parametrize("who", ["physician", "front_desk"])
def test_staff_cannot_use_the_patients_pages(client, request, who, patient, carer, front_desk):
    access = link_carer(patient, carer, front_desk)
    client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("portal:proxy_invite"),
        reverse("portal:proxy_end", args=[access.pk]),
        reverse("portal:helping"),
        reverse("portal:proxy_stop", args=[access.pk]),
    ):
        assert client.post(url, _invite_data()).status_code == 403, url
    access.refresh_from_db()
    assert access.status == ProxyStatus.ACTIVE


# --- inviting -----------------------------------------------------------------------------------


def test_the_invitation_page_explains_the_in_person_check(client, patient_user):
    client.force_login(patient_user)
    page = client.get(reverse("portal:proxy_invite")).content.decode()
    assert "must come to the clinic with photo ID" in page
    assert 'for="id_name"' in page and 'for="id_areas_0"' in page


def test_a_patient_invites_someone(client, patient_user, patient):
    client.force_login(patient_user)
    response = client.post(reverse("portal:proxy_invite"), _invite_data(), follow=True)

    access = ProxyAccess.objects.get()
    assert access.status == ProxyStatus.PENDING and access.patient == patient
    assert access.areas == ["record", "education"]
    assert access.record_categories == ["medication", "allergy"]
    assert access.last_day == timezone.localdate() + dt.timedelta(days=90)
    page = response.content.decode()
    assert "takes effect once Ana Santos comes to the clinic with photo ID" in page
    assert "Waiting for the in-person check" in page


def test_a_double_submitted_invitation_is_saved_once(client, patient_user):
    client.force_login(patient_user)
    client.post(reverse("portal:proxy_invite"), _invite_data())
    second = client.post(reverse("portal:proxy_invite"), _invite_data())
    assert "already invited this person" in second.content.decode()
    assert ProxyAccess.objects.count() == 1


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
@pytest.mark.parametrize("field", ["name", "email"])
def test_hostile_text_in_the_invitation_is_refused(client, patient_user, field, text):
    client.force_login(patient_user)
    before = _snapshot()
    response = client.post(reverse("portal:proxy_invite"), _invite_data(**{field: text}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the following" in page and "<script>alert" not in page
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("relationship", "attorney"),
        ("relationship", "<script>"),
        ("areas", "everything"),
        ("areas", ""),
        ("record_categories", "diagnoses"),
        ("ends_on", "2001-01-01"),
        ("ends_on", "9999-99-99"),
        ("ends_on", "3000-01-01"),
        ("ends_on", ""),
        ("ends_on", "x" * 5000),
    ],
)
def test_wrong_choices_and_dates_are_form_errors(client, patient_user, field, value):
    client.force_login(patient_user)
    before = _snapshot()
    response = client.post(reverse("portal:proxy_invite"), _invite_data(**{field: value}))
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    assert _snapshot() == before


def test_a_young_patient_is_told_to_ask_at_the_front_desk(client, site):
    teen = PatientUserFactory(patient__site=site, patient__date_of_birth=years_ago(14))
    client.force_login(teen)
    response = client.post(reverse("portal:proxy_invite"), _invite_data())
    assert "Ask at the front desk" in response.content.decode()
    assert not ProxyAccess.objects.exists()


# --- people you help ----------------------------------------------------------------------------


def test_a_proxy_sees_the_people_they_help(client, carer_user, patient, carer, front_desk, child):
    link_carer(patient, carer, front_desk)
    link_parent(child, carer, front_desk)
    client.force_login(carer_user)

    page = client.get(reverse("portal:helping")).content.decode()

    assert "Maria Santos (you are their carer)" in page
    assert "Lucy Santos (you are their parent)" in page
    assert "Stop acting for Maria Santos" in page


def test_a_proxy_stops_acting_and_the_patient_is_told(
    client, carer_user, patient_user, patient, carer, front_desk
):
    access = link_carer(patient, carer, front_desk)
    client.force_login(carer_user)

    response = client.post(reverse("portal:proxy_stop", args=[access.pk]), follow=True)

    access.refresh_from_db()
    assert access.status == ProxyStatus.ENDED and access.ended_by == carer_user
    assert "You no longer act for Maria Santos. They have been told." in response.content.decode()
    assert Notification.objects.filter(
        recipient=patient_user, kind=NotificationKind.PROXY_FOR_YOU_ENDED
    ).exists()
    again = client.post(reverse("portal:proxy_stop", args=[access.pk]), follow=True)
    assert "You no longer act for this person" in again.content.decode()


def test_someone_else_cannot_stop_a_proxys_access(
    client, patient_user, other_patient_user, patient, carer, front_desk
):
    access = link_carer(patient, carer, front_desk)
    for user in (patient_user, other_patient_user):
        client.force_login(user)
        assert client.post(reverse("portal:proxy_stop", args=[access.pk])).status_code == 404
    access.refresh_from_db()
    assert access.status == ProxyStatus.ACTIVE


def test_nobody_helped_says_so(client, patient_user):
    client.force_login(patient_user)
    page = client.get(reverse("portal:helping")).content.decode()
    assert "You do not act for anyone." in page
