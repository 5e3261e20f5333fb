"""proxies.services: who may set up and end proxy access, what is written, and who is told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from clinic.db import _privileges_by_table
from notifications import delivery
from notifications.models import Notification, NotificationKind
from patients.models import IdentityDocument
from proxies import services
from proxies.models import (
    ProxyAccess,
    ProxyArea,
    ProxyAuthority,
    ProxyChange,
    ProxyChangeKind,
    ProxyRelationship,
    ProxyStatus,
)
from proxies.rules import birthday_at, view_of
from tests.factories import PatientFactory, PatientUserFactory, UserFactory
from tests.proxies import manage_support
from tests.proxies.manage_support import (
    in_days,
    invite,
    link_attorney,
    link_carer,
    link_parent,
    years_ago,
)
from tests.support.database import assumed_role

carer_user, carer, child = manage_support.carer_user, manage_support.carer, manage_support.child


def _messages(user, kind):
    return list(
        Notification.objects.filter(recipient=user, kind=kind).values_list("message", flat=True)
    )


def _error(excinfo) -> str:
    return " ".join(excinfo.value.messages)


# --- link_proxy ---------------------------------------------------------------------------------


def test_front_desk_links_a_carer_who_can_act_at_once(patient, carer, front_desk):
    access = link_carer(patient, carer, front_desk)

    assert access.status == ProxyStatus.ACTIVE
    assert access.checked_by == front_desk and access.proxy_document == "passport"
    assert access.patient_document == "driving_licence"
    assert view_of(access, timezone.now()).allows(ProxyArea.RECORD)
    change = ProxyChange.objects.get(access=access)
    assert (change.kind, change.by) == (ProxyChangeKind.LINKED, front_desk)


def test_linking_tells_the_patient_with_a_way_to_end_it_and_the_proxy(
    patient_user, patient, carer_user, carer, front_desk
):
    access = link_carer(patient, carer, front_desk)

    note = Notification.objects.get(
        recipient=patient_user, kind=NotificationKind.PROXY_FOR_YOU_STARTED
    )
    assert "Sam Okafor recorded in person" in note.message
    assert "Ana Santos, as your carer, can act for you" in note.message
    assert f"until {access.last_day:%-d %B %Y}" in note.message
    assert note.link == f"/portal/sharing/people/{access.pk}/end/"
    [to_proxy] = _messages(carer_user, NotificationKind.PROXY_ACTING_STARTED)
    assert "You can now act for Maria Santos" in to_proxy


@pytest.mark.parametrize("role_fixture", ["physician", "privacy_officer", "patient_user"])
def test_only_the_front_desk_links(request, patient, carer, role_fixture):
    with pytest.raises(ValidationError, match="Only the front desk"):
        link_carer(patient, carer, request.getfixturevalue(role_fixture))
    assert not ProxyAccess.objects.exists()


def test_an_admin_covering_the_front_desk_may_link(patient, carer, clinic_admin):
    assert link_carer(patient, carer, clinic_admin).status == ProxyStatus.ACTIVE


def test_linking_needs_the_proxys_photo_id(patient, carer, front_desk):
    with pytest.raises(ValidationError) as excinfo:
        link_carer(patient, carer, front_desk, proxy_document="")
    assert "proxy_document" in excinfo.value.error_dict


def test_the_patients_own_choice_needs_their_photo_id(patient, carer, front_desk):
    with pytest.raises(ValidationError) as excinfo:
        link_carer(patient, carer, front_desk, patient_document="")
    assert "patient_document" in excinfo.value.error_dict


def test_nobody_acts_for_themselves(patient, front_desk):
    with pytest.raises(ValidationError, match="cannot act for themselves"):
        link_carer(patient, patient, front_desk)


def test_a_child_cannot_be_a_proxy(patient, child, front_desk):
    with pytest.raises(ValidationError, match="child cannot act"):
        link_carer(patient, child, front_desk)


def test_a_second_link_of_the_same_pair_is_refused_and_writes_nothing(patient, carer, front_desk):
    link_carer(patient, carer, front_desk)
    with pytest.raises(ValidationError, match="already acts for"):
        link_carer(patient, carer, front_desk)
    assert ProxyAccess.objects.count() == 1
    assert Notification.objects.filter(kind=NotificationKind.PROXY_ACTING_STARTED).count() == 1


@pytest.mark.parametrize(
    ("areas", "categories", "field"),
    [
        ([], [], "areas"),
        (["everything"], [], "areas"),
        ([ProxyArea.RECORD], ["diagnoses"], "record_categories"),
        ([{"x": 1}], [], "areas"),
    ],
)
def test_unknown_areas_or_categories_are_refused(
    patient, carer, front_desk, areas, categories, field
):
    with pytest.raises(ValidationError) as excinfo:
        link_carer(patient, carer, front_desk, areas=areas, record_categories=categories)
    assert field in excinfo.value.error_dict


def test_categories_are_kept_only_with_the_record(patient, carer, front_desk):
    access = link_carer(
        patient, carer, front_desk, areas=[ProxyArea.EDUCATION], record_categories=["allergy"]
    )
    assert access.record_categories == []


@pytest.mark.parametrize("ends_at", [None, "past"])
def test_the_patients_choice_needs_an_end_date_in_the_future(patient, carer, front_desk, ends_at):
    ends = timezone.now() - dt.timedelta(minutes=1) if ends_at == "past" else None
    with pytest.raises(ValidationError) as excinfo:
        link_carer(patient, carer, front_desk, ends_at=ends)
    assert "ends_at" in excinfo.value.error_dict


def test_a_child_under_16_cannot_choose_a_proxy_of_their_own(child, carer, front_desk):
    with pytest.raises(ValidationError, match="parental responsibility instead"):
        link_carer(child, carer, front_desk)


def test_a_parent_is_linked_until_the_child_decides_alone(child, carer, front_desk):
    access = link_parent(child, carer, front_desk, relationship=ProxyRelationship.CARER)

    assert access.relationship == ProxyRelationship.PARENT
    sixteenth = birthday_at(child.date_of_birth, 16)
    assert timezone.localtime(access.ends_at).date() == sixteenth
    assert access.last_day == sixteenth - dt.timedelta(days=1)


def test_a_parents_end_date_cannot_pass_the_childs_sixteenth_birthday(child, carer, front_desk):
    access = link_parent(child, carer, front_desk, ends_at=in_days(365 * 20))
    assert timezone.localtime(access.ends_at).date() == birthday_at(child.date_of_birth, 16)


def test_parental_responsibility_needs_its_document(child, carer, front_desk):
    with pytest.raises(ValidationError) as excinfo:
        link_parent(child, carer, front_desk, authority_document="lasting_poa")
    assert "authority_document" in excinfo.value.error_dict


def test_no_parental_access_to_a_young_person_of_16(carer, front_desk, site):
    teen = PatientFactory(site=site, date_of_birth=years_ago(16))
    with pytest.raises(ValidationError, match="decides alone"):
        link_parent(teen, carer, front_desk)


def test_an_attorney_gets_full_access_reviewed_on_a_date(patient, carer, front_desk):
    access = link_attorney(patient, carer, front_desk, areas=[ProxyArea.EDUCATION])

    assert access.areas == list(ProxyArea.values) and access.include_sensitive
    assert access.relationship == ProxyRelationship.ATTORNEY
    assert access.patient_document == ""
    assert view_of(access, timezone.now()).in_force


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"authority_document": "birth_certificate"}, "authority_document"),
        ({"review_on": None}, "review_on"),
        ({"review_on": dt.date(2000, 1, 1)}, "review_on"),
    ],
)
def test_an_attorney_needs_the_document_and_a_future_review(
    patient, carer, front_desk, overrides, field
):
    with pytest.raises(ValidationError) as excinfo:
        link_attorney(patient, carer, front_desk, **overrides)
    assert field in excinfo.value.error_dict


def test_no_attorney_for_a_child(child, carer, front_desk):
    with pytest.raises(ValidationError, match="adults only"):
        link_attorney(child, carer, front_desk)


def test_an_unknown_authority_is_refused(patient, carer, front_desk):
    with pytest.raises(ValidationError) as excinfo:
        link_carer(patient, carer, front_desk, authority="king")
    assert "authority" in excinfo.value.error_dict


# --- invite_proxy and its in-person check --------------------------------------------------------


def test_a_patients_invitation_waits_for_the_in_person_check(patient, patient_user):
    access = invite(patient)

    assert access.status == ProxyStatus.PENDING and access.proxy is None
    assert access.invited_name == "Ana Santos" and access.authority == ProxyAuthority.PATIENT
    assert not view_of(access, timezone.now()).in_force
    change = ProxyChange.objects.get(access=access)
    assert (change.kind, change.by) == (ProxyChangeKind.INVITED, patient_user)


def test_only_the_patient_invites_not_someone_acting_for_them(
    patient, carer_user, carer, front_desk
):
    link_carer(patient, carer, front_desk, areas=list(ProxyArea.values))
    with pytest.raises(ValidationError, match="Only the patient"):
        invite(patient, invited_by=carer_user, email="other@example.org")
    assert not ProxyAccess.objects.filter(status=ProxyStatus.PENDING).exists()


def test_another_patient_cannot_invite_for_someone_else(patient, other_patient_user):
    with pytest.raises(ValidationError, match="Only the patient"):
        invite(patient, invited_by=other_patient_user)


def test_a_young_patient_cannot_invite(site):
    teen = PatientUserFactory(patient__site=site, patient__date_of_birth=years_ago(15)).patient
    with pytest.raises(ValidationError, match="front desk"):
        invite(teen)


def test_inviting_the_same_person_twice_is_refused(patient):
    invite(patient)
    with pytest.raises(ValidationError, match="already invited"):
        invite(patient, email="ANA@example.org")
    assert ProxyAccess.objects.count() == 1


def test_pending_invitations_are_limited(patient):
    for n in range(services.MAX_PENDING_INVITATIONS):
        invite(patient, email=f"person{n}@example.org")
    with pytest.raises(ValidationError, match="waiting"):
        invite(patient, email="one-more@example.org")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "   "}, "name"),
        ({"email": ""}, "email"),
        ({"email": "not an email"}, "invited_email"),
        ({"email": "maria@example.org"}, "email"),
        ({"relationship": ProxyRelationship.ATTORNEY}, "relationship"),
        ({"ends_at": None}, "ends_at"),
    ],
)
def test_bad_invitations_are_refused(patient, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        invite(patient, **overrides)
    assert field in excinfo.value.error_dict
    assert not ProxyAccess.objects.exists()


def test_confirming_links_the_person_and_tells_both(
    patient, patient_user, carer, carer_user, front_desk
):
    access = services.confirm_invitation(
        access=invite(patient),
        proxy=carer,
        confirmed_by=front_desk,
        proxy_document=IdentityDocument.NATIONAL_ID,
    )

    assert access.status == ProxyStatus.ACTIVE and access.proxy == carer
    assert (access.checked_by, access.proxy_document) == (front_desk, "national_id")
    assert view_of(access, timezone.now()).allows(ProxyArea.RECORD)
    assert [c.kind for c in access.changes.all()] == ["invited", "confirmed"]
    assert _messages(patient_user, NotificationKind.PROXY_FOR_YOU_STARTED)
    assert _messages(carer_user, NotificationKind.PROXY_ACTING_STARTED)


def test_confirming_twice_is_refused(patient, carer, front_desk):
    access = invite(patient)
    services.confirm_invitation(
        access=access, proxy=carer, confirmed_by=front_desk, proxy_document="passport"
    )
    with pytest.raises(ValidationError, match="no longer waiting"):
        services.confirm_invitation(
            access=access, proxy=carer, confirmed_by=front_desk, proxy_document="passport"
        )
    assert Notification.objects.filter(kind=NotificationKind.PROXY_ACTING_STARTED).count() == 1


def test_confirming_needs_the_front_desk_and_a_document(patient, carer, carer_user, front_desk):
    access = invite(patient)
    with pytest.raises(ValidationError, match="Only the front desk"):
        services.confirm_invitation(
            access=access, proxy=carer, confirmed_by=carer_user, proxy_document="passport"
        )
    with pytest.raises(ValidationError) as excinfo:
        services.confirm_invitation(
            access=access, proxy=carer, confirmed_by=front_desk, proxy_document="library card"
        )
    assert "proxy_document" in excinfo.value.error_dict
    access.refresh_from_db()
    assert access.status == ProxyStatus.PENDING


def test_the_patient_cannot_be_confirmed_as_their_own_proxy(patient, front_desk):
    with pytest.raises(ValidationError, match="themselves"):
        services.confirm_invitation(
            access=invite(patient),
            proxy=patient,
            confirmed_by=front_desk,
            proxy_document="passport",
        )


def test_declining_tells_the_patient_why(patient, patient_user, front_desk):
    access = services.decline_invitation(
        access=invite(patient), declined_by=front_desk, reason="No photo ID with them."
    )

    assert access.status == ProxyStatus.DECLINED and access.end_reason == "No photo ID with them."
    [message] = _messages(patient_user, NotificationKind.PROXY_FOR_YOU_ENDED)
    assert "could not confirm your invitation of Ana Santos" in message


def test_declining_needs_a_reason(patient, front_desk):
    with pytest.raises(ValidationError):
        services.decline_invitation(access=invite(patient), declined_by=front_desk, reason=" ")


# --- end_proxy_access ----------------------------------------------------------------------------


def test_the_patient_ends_access_and_the_proxy_is_told(
    patient, patient_user, carer, carer_user, front_desk
):
    access = link_carer(patient, carer, front_desk)
    access = services.end_proxy_access(access=access, ended_by=patient_user)

    assert access.status == ProxyStatus.ENDED and access.ended_by == patient_user
    assert not view_of(access, timezone.now()).in_force
    [message] = _messages(carer_user, NotificationKind.PROXY_ACTING_ENDED)
    assert message.startswith("You no longer act for Maria Santos")
    assert "ended by Maria Santos" in message
    assert not _messages(patient_user, NotificationKind.PROXY_FOR_YOU_ENDED)
    assert access.changes.last().kind == ProxyChangeKind.ENDED


def test_the_proxy_stops_acting_and_the_patient_is_told(
    patient, patient_user, carer, carer_user, front_desk
):
    access = link_carer(patient, carer, front_desk)
    services.end_proxy_access(access=access, ended_by=carer_user)

    [message] = _messages(patient_user, NotificationKind.PROXY_FOR_YOU_ENDED)
    assert "Ana Santos no longer acts for you" in message and "at their request" in message
    assert not _messages(carer_user, NotificationKind.PROXY_ACTING_ENDED)


def test_the_front_desk_ends_with_a_reason_and_both_are_told(
    patient, patient_user, carer, carer_user, front_desk
):
    access = link_carer(patient, carer, front_desk)
    with pytest.raises(ValidationError):
        services.end_proxy_access(access=access, ended_by=front_desk)
    services.end_proxy_access(access=access, ended_by=front_desk, reason="Patient asked by phone")

    assert _messages(patient_user, NotificationKind.PROXY_FOR_YOU_ENDED)
    assert _messages(carer_user, NotificationKind.PROXY_ACTING_ENDED)
    assert access.changes.last().note == "Patient asked by phone"


def test_another_proxy_of_the_same_patient_cannot_end_access(patient, carer, front_desk, site):
    second = PatientUserFactory(patient__site=site, patient__date_of_birth=years_ago(50))
    access = link_carer(patient, carer, front_desk)
    link_carer(patient, second.patient, front_desk, areas=list(ProxyArea.values))

    with pytest.raises(ValidationError, match="cannot end"):
        services.end_proxy_access(access=access, ended_by=second)
    access.refresh_from_db()
    assert access.status == ProxyStatus.ACTIVE


@pytest.mark.parametrize("who", ["other_patient_user", "physician", "privacy_officer"])
def test_outsiders_cannot_end_access(request, patient, carer, front_desk, who):
    access = link_carer(patient, carer, front_desk)
    with pytest.raises(ValidationError, match="cannot end"):
        services.end_proxy_access(access=access, ended_by=request.getfixturevalue(who))


def test_a_child_cannot_end_parental_access_but_the_parent_can_stop(
    child, carer, carer_user, front_desk
):
    child_user = UserFactory()
    child.user = child_user
    child.save()
    access = link_parent(child, carer, front_desk)
    with pytest.raises(ValidationError, match="cannot end"):
        services.end_proxy_access(access=access, ended_by=child_user)
    assert services.end_proxy_access(access=access, ended_by=carer_user).status == "ended"


def test_ending_twice_is_refused(patient, patient_user, carer, front_desk):
    access = link_carer(patient, carer, front_desk)
    services.end_proxy_access(access=access, ended_by=patient_user)
    with pytest.raises(ValidationError, match="already ended"):
        services.end_proxy_access(access=access, ended_by=patient_user)
    assert Notification.objects.filter(kind=NotificationKind.PROXY_ACTING_ENDED).count() == 1


def test_withdrawing_an_invitation_tells_nobody(patient, patient_user):
    access = services.end_proxy_access(access=invite(patient), ended_by=patient_user)
    assert access.status == ProxyStatus.ENDED
    assert not Notification.objects.exists()


# --- power of attorney reviews ------------------------------------------------------------------


def test_recording_a_review_moves_the_date_and_says_who(patient, carer, front_desk):
    access = link_attorney(patient, carer, front_desk)
    next_review = timezone.localdate() + dt.timedelta(days=365)
    services.record_poa_review(
        access=access, reviewed_by=front_desk, review_on=next_review, note="Saw the LPA"
    )

    access.refresh_from_db()
    assert access.review_on == next_review
    change = access.changes.last()
    assert (change.kind, change.by) == (ProxyChangeKind.REVIEWED, front_desk)
    assert f"Next review {next_review:%Y-%m-%d}" in change.note and "Saw the LPA" in change.note


def test_only_a_power_of_attorney_is_reviewed(patient, carer, front_desk):
    access = link_carer(patient, carer, front_desk)
    with pytest.raises(ValidationError, match="Only a power of attorney"):
        services.record_poa_review(
            access=access, reviewed_by=front_desk, review_on=timezone.localdate()
        )


def test_a_review_date_must_be_in_the_future(patient, carer, carer_user, front_desk):
    access = link_attorney(patient, carer, front_desk)
    with pytest.raises(ValidationError):
        services.record_poa_review(
            access=access, reviewed_by=front_desk, review_on=timezone.localdate()
        )
    with pytest.raises(ValidationError, match="Only the front desk"):
        services.record_poa_review(
            access=access,
            reviewed_by=carer_user,
            review_on=timezone.localdate() + dt.timedelta(days=9),
        )


def test_an_access_past_its_review_date_stops(patient, carer, front_desk):
    access = link_attorney(patient, carer, front_desk)
    after = timezone.now() + dt.timedelta(days=202)
    assert not view_of(access, after).in_force


# --- people without a portal account are told by email -------------------------------------------


def test_a_patient_without_an_account_is_told_by_email(
    carer, carer_user, front_desk, site, django_capture_on_commit_callbacks
):
    tom = PatientFactory(
        site=site,
        legal_name="Thomas Whitfield",
        email="tom@example.org",
        date_of_birth=years_ago(69),
    )
    with django_capture_on_commit_callbacks(execute=True):
        link_carer(tom, carer, front_desk)

    [email] = [m for m in mail.outbox if m.to == ["tom@example.org"]]
    assert "Ana Santos can now act for you" in email.subject
    assert "as your carer" in email.body and "Call us" in email.body


def test_a_proxy_without_an_account_is_told_by_email(
    patient, front_desk, site, django_capture_on_commit_callbacks
):
    daughter = PatientFactory(
        site=site,
        legal_name="Emma Whitfield",
        email="emma@example.org",
        date_of_birth=years_ago(35),
    )
    with django_capture_on_commit_callbacks(execute=True):
        access = link_carer(patient, daughter, front_desk)
    with django_capture_on_commit_callbacks(execute=True):
        services.end_proxy_access(access=access, ended_by=front_desk, reason="Asked to stop")

    subjects = [m.subject for m in mail.outbox if m.to == ["emma@example.org"]]
    assert any("You can now act for Maria Santos" in s for s in subjects)
    assert any("You no longer act for Maria Santos" in s for s in subjects)


def test_a_started_email_is_dropped_when_the_access_ended_before_it_went(
    carer, front_desk, site, django_capture_on_commit_callbacks
):
    tom = PatientFactory(site=site, email="tom@example.org", date_of_birth=years_ago(69))
    access = link_carer(tom, carer, front_desk)  # email published on commit: not yet sent
    services.end_proxy_access(access=access, ended_by=front_desk, reason="A mistake")
    started = Notification.objects.get(kind=NotificationKind.PROXY_FOR_YOU_STARTED)
    delivery.deliver(started.pk)
    assert not [m for m in mail.outbox if "can now act" in m.subject]


# --- the record of changes is append-only ---------------------------------------------------------


def test_the_record_of_changes_is_append_only_for_the_application():
    assert _privileges_by_table()["proxies_proxychange"] == ("SELECT", "INSERT")
    assert _privileges_by_table()["proxies_proxyaccess"] == ("SELECT", "INSERT", "UPDATE", "DELETE")


def test_changes_and_accesses_are_never_deleted(patient, carer, front_desk):
    access = link_carer(patient, carer, front_desk)
    with pytest.raises(PermissionError):
        access.changes.first().delete()
    with pytest.raises(PermissionError):
        access.delete()


@pytest.mark.postgres
def test_postgresql_refuses_to_rewrite_the_record_of_changes(patient, carer, front_desk):
    if connection.vendor != "postgresql" or assumed_role() is None:
        pytest.skip("PostgreSQL, running as the application's role")
    link_carer(patient, carer, front_desk)
    for sql in ("UPDATE proxies_proxychange SET note = 'x'", "DELETE FROM proxies_proxychange"):
        with (
            pytest.raises(DatabaseError, match="permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert ProxyChange.objects.count() == 1


def test_long_names_still_make_a_notice_that_fits(front_desk, site):
    long_name = "Maria " + "Santos-" * 20 + "Oliveira"
    patient = PatientUserFactory(
        patient__site=site,
        patient__legal_name=long_name[:150],
        patient__date_of_birth=years_ago(40),
    ).patient
    proxy = PatientUserFactory(
        patient__site=site,
        patient__legal_name=long_name[:150],
        patient__date_of_birth=years_ago(40),
    ).patient
    link_carer(patient, proxy, front_desk)
    for note in Notification.objects.all():
        assert len(note.message) <= 300


def test_email_subjects_keep_apostrophes(front_desk, site, django_capture_on_commit_callbacks):
    tom = PatientFactory(site=site, email="tom@example.org", date_of_birth=years_ago(69))
    daughter = PatientFactory(
        site=site,
        legal_name="Siobhan O'Brien",
        email="sob@example.org",
        date_of_birth=years_ago(35),
    )
    with django_capture_on_commit_callbacks(execute=True):
        link_carer(tom, daughter, front_desk)
    [email] = [m for m in mail.outbox if m.to == ["tom@example.org"]]
    assert "Siobhan O'Brien can now act for you" in email.subject
