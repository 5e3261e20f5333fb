"""The front desk's carers and proxies pages: the section on the patient's page, linking a proxy
found on the register, confirming or declining an invitation, ending access and recording a power
of attorney's review. Wrong roles, other ids and hostile input change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification, NotificationKind
from proxies import services
from proxies.models import ProxyAccess, ProxyChange, ProxyStatus
from tests.factories import PatientFactory
from tests.proxies import manage_support
from tests.proxies.manage_support import (
    HOSTILE_TEXTS,
    invite,
    link_attorney,
    link_carer,
    years_ago,
)

carer_user, carer, child = manage_support.carer_user, manage_support.carer, manage_support.child

CHOICE_ATTACKS = ["999999999", "-1", "1 OR 1=1", "<script>", "x" * 5000, ""]


@pytest.fixture
def desk(client, front_desk):
    client.force_login(front_desk)
    return client


def _link_data(person, **overrides) -> dict:
    return {
        "proxy": person.pk,
        "authority": "patient",
        "relationship": "carer",
        "proxy_document": "passport",
        "patient_document": "national_id",
        "areas": ["record", "access_log"],
        "record_categories": ["lab_result"],
        "ends_on": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
        "notify_patient": "on",
        **overrides,
    }


def _snapshot():
    return (
        list(ProxyAccess.objects.values_list()),
        list(ProxyChange.objects.values_list()),
        Notification.objects.count(),
    )


# --- the section on the patient's page ----------------------------------------------------------


def test_the_patients_page_lists_current_pending_and_ended(desk, patient, carer, front_desk):
    link_carer(patient, carer, front_desk)
    invite(patient, name="Pat Jones", email="pat@example.org")
    ended = link_attorney(
        patient, PatientFactory(legal_name="Olu Ade", date_of_birth=years_ago(50)), front_desk
    )
    services.end_proxy_access(access=ended, ended_by=front_desk, reason="Power revoked")

    page = desk.get(reverse("staff:onboarding_patient", args=[patient.pk])).content.decode()

    assert "Carers and proxies" in page
    assert "Ana Santos, carer" in page and "read lab results" not in page
    assert "Pat Jones" in page and "Waiting for the in-person check" in page
    assert "Olu Ade, attorney: ended" in page and "Power revoked" in page
    assert reverse("staff:proxy_link", args=[patient.pk]) in page


# --- linking ------------------------------------------------------------------------------------


def test_the_front_desk_finds_the_proxy_by_mrn_and_links_them(desk, patient, carer):
    url = reverse("staff:proxy_link", args=[patient.pk])
    found = desk.get(url, {"q": carer.mrn}).content.decode()
    assert "Ana Santos" in found and f"?proxy={carer.pk}" in found

    form = desk.get(url, {"proxy": carer.pk}).content.decode()
    assert "Photo ID of the proxy, seen in person" in form

    response = desk.post(url, _link_data(carer), follow=True)

    access = ProxyAccess.objects.get()
    assert access.status == ProxyStatus.ACTIVE and access.proxy == carer
    assert access.areas == ["record", "access_log"] and access.record_categories == ["lab_result"]
    assert access.last_day == timezone.localdate() + dt.timedelta(days=60)
    page = response.content.decode()
    assert "Ana Santos can now act for Maria Santos" in page and "Both have been told" in page
    assert Notification.objects.filter(kind=NotificationKind.PROXY_ACTING_STARTED).count() == 1
    assert Notification.objects.filter(
        recipient=patient.user, kind=NotificationKind.PROXY_FOR_YOU_STARTED
    ).exists()


def test_the_search_does_not_offer_the_patient_themselves(desk, patient):
    page = desk.get(
        reverse("staff:proxy_link", args=[patient.pk]), {"q": patient.mrn}
    ).content.decode()
    assert "Nobody on the register matches" in page


def test_a_missing_document_is_shown_next_to_the_field_and_changes_nothing(desk, patient, carer):
    before = _snapshot()
    response = desk.post(
        reverse("staff:proxy_link", args=[patient.pk]),
        _link_data(carer, patient_document=""),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Please correct the following" in page
    assert "say which photo ID of theirs you saw" in page
    assert _snapshot() == before


def test_a_double_submit_links_once(desk, patient, carer):
    url = reverse("staff:proxy_link", args=[patient.pk])
    desk.post(url, _link_data(carer))
    second = desk.post(url, _link_data(carer))
    assert "already acts for" in second.content.decode()
    assert ProxyAccess.objects.count() == 1


@pytest.mark.parametrize("value", CHOICE_ATTACKS)
def test_a_hostile_proxy_id_is_a_form_error(desk, patient, carer, value):
    before = _snapshot()
    response = desk.post(
        reverse("staff:proxy_link", args=[patient.pk]), _link_data(carer, proxy=value)
    )
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize("value", CHOICE_ATTACKS)
def test_hostile_choices_are_form_errors(desk, patient, carer, value):
    before = _snapshot()
    fields = ["authority", "relationship", "proxy_document", "areas", "ends_on", "review_on"]
    if value == "":
        fields.remove("review_on")  # optional for the patient's own choice
    for field in fields:
        response = desk.post(
            reverse("staff:proxy_link", args=[patient.pk]), _link_data(carer, **{field: value})
        )
        assert response.status_code == 200
        assert "<script>" not in response.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize("value", CHOICE_ATTACKS)
def test_hostile_search_and_choice_in_the_url_are_harmless(desk, patient, value):
    url = reverse("staff:proxy_link", args=[patient.pk])
    assert desk.get(url, {"q": value}).status_code == 200
    assert desk.get(url, {"proxy": value}).status_code == 200


def test_another_patients_id_as_proxy_is_fine_but_an_unknown_patient_is_404(desk, patient):
    assert desk.get(reverse("staff:proxy_link", args=[999999])).status_code == 404


@pytest.mark.parametrize("who", ["physician", "privacy_officer", "patient_user", "carer_user"])
def test_other_roles_cannot_use_the_front_desk_pages(
    client, request, who, patient, carer, front_desk
):
    access = link_carer(patient, carer, front_desk)
    pending = invite(patient)
    client.force_login(request.getfixturevalue(who))
    before = _snapshot()
    urls = [
        reverse("staff:proxy_invitations"),
        reverse("staff:proxy_link", args=[patient.pk]),
        reverse("staff:proxy_confirm", args=[pending.pk]),
        reverse("staff:proxy_decline", args=[pending.pk]),
        reverse("staff:proxy_end", args=[access.pk]),
        reverse("staff:proxy_review", args=[access.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code in (403, 404), url
        assert client.post(url, {"reason": "x", "proxy": carer.pk}).status_code in (403, 404)
    assert _snapshot() == before


def test_signed_out_people_are_sent_to_sign_in(client, patient):
    response = client.get(reverse("staff:proxy_link", args=[patient.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "name", ["staff:proxy_confirm", "staff:proxy_decline", "staff:proxy_end", "staff:proxy_review"]
)
def test_unknown_access_ids_are_404(desk, name):
    assert desk.get(reverse(name, args=[424242])).status_code == 404
    assert desk.post(reverse(name, args=[424242]), {"reason": "x"}).status_code == 404


# --- invitations ---------------------------------------------------------------------------------


def test_waiting_invitations_are_listed_for_the_front_desk(desk, patient):
    access = invite(patient, name="Pat Jones", email="pat@example.org")
    page = desk.get(reverse("staff:proxy_invitations")).content.decode()
    assert "Pat Jones, for Maria Santos" in page
    assert reverse("staff:proxy_confirm", args=[access.pk]) in page
    home = desk.get(reverse("staff:home")).content.decode()
    assert "waiting for an in-person check (1)" in home


def test_confirming_an_invitation_in_person(desk, patient, carer):
    access = invite(patient)
    url = reverse("staff:proxy_confirm", args=[access.pk])
    assert "Ana Santos" in desk.get(url, {"q": "Ana Santos"}).content.decode()

    response = desk.post(url, {"proxy": carer.pk, "proxy_document": "passport"}, follow=True)

    access.refresh_from_db()
    assert access.status == ProxyStatus.ACTIVE and access.proxy == carer
    assert "Both have been told" in response.content.decode()
    again = desk.post(url, {"proxy": carer.pk, "proxy_document": "passport"}, follow=True)
    assert "no longer waiting" in again.content.decode()
    assert ProxyChange.objects.filter(kind="confirmed").count() == 1


def test_confirming_needs_a_document(desk, patient, carer):
    access = invite(patient)
    response = desk.post(
        reverse("staff:proxy_confirm", args=[access.pk]), {"proxy": carer.pk, "proxy_document": ""}
    )
    assert "Please correct the following" in response.content.decode()
    access.refresh_from_db()
    assert access.status == ProxyStatus.PENDING


def test_declining_an_invitation(desk, patient, patient_user):
    access = invite(patient)
    url = reverse("staff:proxy_decline", args=[access.pk])
    empty = desk.post(url, {"reason": ""})
    assert "Please correct the following" in empty.content.decode()
    access.refresh_from_db()
    assert access.status == ProxyStatus.PENDING
    desk.post(url, {"reason": "Did not bring photo ID"})
    access.refresh_from_db()
    assert access.status == ProxyStatus.DECLINED
    assert Notification.objects.filter(
        recipient=patient_user, kind=NotificationKind.PROXY_FOR_YOU_ENDED
    ).exists()


# --- ending and reviews --------------------------------------------------------------------------


def test_ending_access_needs_a_reason_and_tells_both(desk, patient, carer, front_desk):
    access = link_carer(patient, carer, front_desk)
    url = reverse("staff:proxy_end", args=[access.pk])
    empty = desk.post(url, {"reason": ""})
    assert empty.status_code == 200 and "Please correct the following" in empty.content.decode()

    response = desk.post(url, {"reason": "The patient asked by phone"}, follow=True)

    access.refresh_from_db()
    assert access.status == ProxyStatus.ENDED and access.ended_by == front_desk
    assert "no longer acts for Maria Santos" in response.content.decode()
    twice = desk.post(url, {"reason": "again"}, follow=True)
    assert "already ended" in twice.content.decode()
    assert Notification.objects.filter(kind=NotificationKind.PROXY_ACTING_ENDED).count() == 1


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_reasons_are_refused(desk, patient, carer, front_desk, text):
    access = link_carer(patient, carer, front_desk)
    before = _snapshot()
    for name in ("staff:proxy_end",):
        response = desk.post(reverse(name, args=[access.pk]), {"reason": text})
        assert response.status_code == 200
        assert "<script>alert" not in response.content.decode()
    assert _snapshot() == before


def test_recording_a_review(desk, patient, carer, front_desk):
    access = link_attorney(patient, carer, front_desk)
    next_review = timezone.localdate() + dt.timedelta(days=400)
    url = reverse("staff:proxy_review", args=[access.pk])
    past = desk.post(url, {"review_on": "2001-01-01"})
    assert "next review date, in the future" in past.content.decode()

    response = desk.post(
        url, {"review_on": next_review.isoformat(), "note": "LPA seen"}, follow=True
    )

    access.refresh_from_db()
    assert access.review_on == next_review
    assert f"Next review on {next_review:%-d %B %Y}" in response.content.decode()


@pytest.mark.parametrize("value", ["9999-99-99", "<script>", "x" * 5000, ""])
def test_hostile_review_dates_are_form_errors(desk, patient, carer, front_desk, value):
    access = link_attorney(patient, carer, front_desk)
    before = _snapshot()
    response = desk.post(
        reverse("staff:proxy_review", args=[access.pk]), {"review_on": value, "note": value}
    )
    assert response.status_code == 200
    assert _snapshot() == before


def test_a_carer_access_has_no_review_page(desk, patient, carer, front_desk):
    access = link_carer(patient, carer, front_desk)
    response = desk.get(reverse("staff:proxy_review", args=[access.pk]), follow=True)
    assert "Only a power of attorney in place is reviewed" in response.content.decode()


def test_the_proxys_own_page_says_whom_they_act_for(desk, patient, carer, front_desk):
    link_carer(patient, carer, front_desk)
    page = desk.get(reverse("staff:onboarding_patient", args=[carer.pk])).content.decode()
    assert "Acts for" in page and "Maria Santos</a>, as their carer" in page
