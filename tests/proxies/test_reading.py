"""A proxy reads through the same door as everyone else (`consent.access`): only what their
access allows now, every read logged once with the proxy named, the patient told."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import timezone

from accesslog.chain import verify_chain
from accesslog.models import AccessBasis, AccessEvent
from consent.access import Reader, read_entry, read_export, read_record, standing_of
from notifications.models import Notification, NotificationKind
from patients.models import RecordCategory
from proxies.models import ProxyArea
from tests.factories import ProxyAccessFactory, RecordEntryFactory
from tests.support.record import MARIA_ENTRIES, THOMAS_TITLE

from .conftest import act_for

pytestmark = pytest.mark.django_db

TITLES = {key: title for key, (_c, title, _b, _s) in MARIA_ENTRIES.items()}


def _reader(user):
    return Reader(user=user, now=timezone.now())


def test_a_carer_reads_the_whole_record_but_not_sensitive_entries(
    client, patient, carer_user, carer_access, record
):
    act_for(client, carer_user, patient)
    response = client.get("/portal/records/")
    assert response.status_code == 200
    page = response.content.decode()
    for key in ("lab", "note", "document"):
        assert TITLES[key] in page
    assert TITLES["sensitive"] not in page
    assert THOMAS_TITLE not in page
    assert "no-store" in response["Cache-Control"]
    assert "You are looking at <strong>Maria Santos</strong>'s record, as their carer." in page


def test_the_read_is_one_event_naming_the_proxy(client, patient, carer_user, carer_access, record):
    act_for(client, carer_user, patient)
    before = AccessEvent.objects.count()
    client.get(f"/portal/records/{record['lab'].pk}/")
    events = list(AccessEvent.objects.order_by("-pk")[: AccessEvent.objects.count() - before])
    assert len(events) == 1
    event = events[0]
    assert event.patient_id == patient.pk
    assert event.actor_id == carer_user.pk
    assert event.actor_name == "Ana Santos"
    assert event.basis == AccessBasis.PROXY
    assert event.proxy_access_id == carer_access.pk
    assert event.actor_relationship == "carer"
    assert event.purpose == "as your carer"
    assert event.hash_version == 2
    assert event.entry_id == record["lab"].pk
    assert verify_chain(patient.pk) is None


def test_the_patient_is_told_naming_the_proxy_and_nothing_of_the_record(
    client, patient, patient_user, carer_user, carer_access, record
):
    act_for(client, carer_user, patient)
    client.get(f"/portal/records/{record['lab'].pk}/")
    notes = list(Notification.objects.filter(recipient=patient_user))
    assert len(notes) == 1
    message = notes[0].message
    assert notes[0].kind == NotificationKind.RECORD_ACCESS
    assert message.startswith("Ana Santos, as your carer, looked at your record on ")
    for title in TITLES.values():
        assert title not in message
    assert "lab" not in message.lower() and "cholesterol" not in message.lower()
    assert not Notification.objects.filter(recipient=carer_user).exists()


def test_an_adult_who_chose_not_to_be_told_is_not_told(
    client, patient, patient_user, carer_user, record
):
    ProxyAccessFactory(patient=patient, proxy=carer_user.patient, notify_patient=False)
    act_for(client, carer_user, patient)
    assert client.get("/portal/records/").status_code == 200
    assert not Notification.objects.filter(recipient=patient_user).exists()
    assert AccessEvent.objects.filter(patient=patient, basis=AccessBasis.PROXY).count() == 1


def test_one_category_only(client, patient, carer_user, record):
    ProxyAccessFactory(
        patient=patient,
        proxy=carer_user.patient,
        record_categories=[RecordCategory.LAB_RESULT],
    )
    act_for(client, carer_user, patient)
    page = client.get("/portal/records/").content.decode()
    assert TITLES["lab"] in page
    assert TITLES["note"] not in page and TITLES["document"] not in page
    assert client.get(f"/portal/records/{record['lab'].pk}/").status_code == 200
    before = AccessEvent.objects.count()
    for key in ("note", "document", "sensitive"):
        assert client.get(f"/portal/records/{record[key].pk}/").status_code == 404
    assert client.get(f"/portal/records/{record['document'].pk}/document/").status_code == 404
    assert AccessEvent.objects.count() == before  # no event on refusal


def test_sensitive_entries_only_when_the_patient_named_them(client, patient, carer_user, record):
    ProxyAccessFactory(patient=patient, proxy=carer_user.patient, include_sensitive=True)
    act_for(client, carer_user, patient)
    assert TITLES["sensitive"] in client.get("/portal/records/").content.decode()
    assert client.get(f"/portal/records/{record['sensitive'].pk}/").status_code == 200


def test_the_standing_is_refused_without_the_record_area(patient, carer_user, record):
    ProxyAccessFactory(
        patient=patient, proxy=carer_user.patient, areas=[ProxyArea.ACCESS_LOG, ProxyArea.SHARING]
    )
    with pytest.raises(Http404):
        standing_of(_reader(carer_user), patient.pk)
    with pytest.raises(Http404):
        read_record(_reader(carer_user), patient.pk)
    assert not AccessEvent.objects.filter(patient=patient).exists()


def test_no_standing_for_someone_they_do_not_act_for(
    patient, other_patient, carer_user, carer_access, record
):
    with pytest.raises(Http404):
        read_entry(_reader(carer_user), other_patient.pk, record.other.pk)
    with pytest.raises(Http404):
        read_entry(_reader(carer_user), patient.pk, record.other.pk)  # Thomas's entry
    assert not AccessEvent.objects.exists()


def test_a_proxy_never_exports_the_record(patient, carer_user, carer_access, record):
    with pytest.raises(Http404):
        read_export(_reader(carer_user), patient.pk)
    assert not AccessEvent.objects.exists()


def test_export_pages_show_the_proxys_own_record(client, patient, carer_user, carer_access, record):
    """The export is own-only: acting for Maria, Ana still downloads only her own."""
    mine = RecordEntryFactory(patient=carer_user.patient, title="Flu jab for Ana herself")
    act_for(client, carer_user, patient)
    response = client.get("/portal/export/summary/")
    assert response.status_code == 200
    page = response.content.decode()
    assert mine.title in page
    for title in TITLES.values():
        assert title not in page
    assert "This page is about you, not Maria Santos." in page


@pytest.mark.parametrize("size", [2, 12])
def test_a_proxys_record_page_has_flat_queries(
    client, patient, carer_user, carer_access, size, django_assert_max_num_queries
):
    for n in range(size):
        RecordEntryFactory(patient=patient, category=list(RecordCategory)[n % 5])
    act_for(client, carer_user, patient)
    client.get("/portal/records/")  # the chain head and the notification exist afterwards
    # The session, the user, the proxy access (loaded once, by `portal_area`, and decided on
    # again by the read), the entries, the append (head, event, reader, new head), the
    # notification counted (UPDATE, message), the badges, and the test's savepoint (2).
    with django_assert_max_num_queries(13):
        assert client.get("/portal/records/").status_code == 200


def test_the_patients_fhir_export_names_the_proxys_reads(
    client, patient, patient_user, carer_user, carer_access, record
):
    from tests.exports.conftest import access_log_events, export

    act_for(client, carer_user, patient)
    client.get(f"/portal/records/{record['lab'].pk}/")
    client.force_login(patient_user)
    bundle = export(client)
    by_proxy = [
        event
        for event in access_log_events(bundle)
        if event["agent"][0]["who"].get("type") == "RelatedPerson"
    ]
    assert len(by_proxy) == 1
    agent = by_proxy[0]["agent"][0]
    assert agent["who"]["display"] == "Ana Santos, as your carer"
    assert agent["who"]["identifier"]["value"] == str(carer_access.pk)
    assert [c["code"] for c in by_proxy[0]["purposeOfEvent"][0]["coding"]] == ["FAMRQT"]


def test_the_people_a_proxy_acts_for_are_one_query(
    patient, other_patient, carer_user, carer_access, django_assert_num_queries
):
    from proxies.selectors import accesses_in_force_for, proxy_standing_for

    ProxyAccessFactory(patient=other_patient, proxy=carer_user.patient, ended=True)
    third = ProxyAccessFactory(proxy=carer_user.patient, areas=[ProxyArea.EDUCATION])
    now = timezone.now()
    with django_assert_num_queries(1):
        people = accesses_in_force_for(carer_user, now)
        names = sorted(access.patient.display_name for access, _view in people)
        views = {access.pk: view for access, view in people}
    assert len(names) == 2 and "Maria Santos" in names and "Thomas Whitfield" not in names
    assert views[third.pk].areas == frozenset({ProxyArea.EDUCATION})
    with django_assert_num_queries(1):
        access, view = proxy_standing_for(carer_user, patient.pk, now)
    assert access == carer_access and view.allows(ProxyArea.RECORD)
    assert proxy_standing_for(carer_user, other_patient.pk, now) is None
    # Someone who is only a patient acts for nobody.
    assert accesses_in_force_for(patient.user, now) == []
