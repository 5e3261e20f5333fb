"""Sharing: giving, describing, revoking and expiring grants, and the guardian rows derived from
them."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consent import services
from consent.models import (
    ConsentGrant,
    GivenVia,
    Purpose,
    RecordEntryGroupObjectPermission,
    RecordEntryUserObjectPermission,
    Scope,
)
from consent.tasks import remove_ended_grant_permissions
from patients.models import RecordCategory
from tests.factories import (
    CareTeamFactory,
    RecordEntryFactory,
    frozen_time,
    grant,
)

LONDON = zoneinfo.ZoneInfo("Europe/London")
# A fixed "today" for the tests that read dates back in plain language.
TODAY = dt.datetime(2026, 11, 20, 10, 30, tzinfo=LONDON)


BAD_DATE = "Enter a real date, for example 2026-03-14."


def user_rows(user) -> set[int]:
    """Entry ids the user holds a direct guardian view permission on."""
    return set(
        RecordEntryUserObjectPermission.objects.filter(
            user=user, permission__codename="view_recordentry"
        ).values_list("content_object_id", flat=True)
    )


def group_rows(group) -> set[int]:
    return set(
        RecordEntryGroupObjectPermission.objects.filter(
            group=group, permission__codename="view_recordentry"
        ).values_list("content_object_id", flat=True)
    )


def ids(*entries) -> set[int]:
    return {entry.pk for entry in entries}


def form_data(physician, **overrides) -> dict:
    data = {
        "grantee": f"user:{physician.pk}",
        "scope": Scope.RECORD,
        "category": "",
        "entry": "",
        "purpose": Purpose.TREATMENT,
        "purpose_other": "",
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def sharing(client, patient_user):
    client.force_login(patient_user)
    return client


def sharing_page(client) -> str:
    response = client.get("/portal/sharing/")
    assert response.status_code == 200
    return response.content.decode()


# --- giving access through the form -------------------------------------------------------------


def test_share_whole_record_through_the_form(sharing, record, patient, patient_user, physician):
    response = sharing.post("/portal/sharing/new/", form_data(physician))
    assert response.status_code == 302
    assert response["Location"] == "/portal/sharing/"
    given = ConsentGrant.objects.get()
    assert (given.patient, given.grantee_user, given.scope) == (patient, physician, Scope.RECORD)
    assert given.given_via == GivenVia.PORTAL
    assert given.recorded_by == patient_user
    assert given.expires_at is None and given.revoked_at is None
    assert given.status() == "active"
    assert user_rows(physician) == ids(record["lab"], record["note"], record["document"])
    page = sharing.get(response["Location"]).content.decode()
    assert "Done. Dr A. Rivera can see your whole record for treatment until you stop sharing." in (
        page
    )


def test_share_one_category_through_the_form(sharing, record, physician):
    data = form_data(physician, scope=Scope.CATEGORY, category=RecordCategory.LAB_RESULT)
    assert sharing.post("/portal/sharing/new/", data).status_code == 302
    given = ConsentGrant.objects.get()
    assert (given.scope, given.category, given.entry) == (Scope.CATEGORY, "lab_result", None)
    assert user_rows(physician) == ids(record["lab"])
    assert "Dr A. Rivera can see your lab results for treatment" in sharing_page(sharing)


def test_share_one_entry_through_the_form(sharing, record, physician):
    entry = record["sensitive"]
    data = form_data(physician, scope=Scope.ENTRY, entry=entry.pk, include_sensitive="on")
    assert sharing.post("/portal/sharing/new/", data).status_code == 302
    given = ConsentGrant.objects.get()
    assert (given.scope, given.entry, given.category) == (Scope.ENTRY, entry, "")
    assert given.include_sensitive is False  # naming the entry is what shares it
    assert user_rows(physician) == ids(entry)
    when = f"{entry.recorded_on:%-d %B %Y}"
    assert f"Dr A. Rivera can see one visit note of {when} for treatment" in sharing_page(sharing)


def test_share_including_sensitive_entries(sharing, record, physician):
    data = form_data(physician, include_sensitive="on")
    assert sharing.post("/portal/sharing/new/", data).status_code == 302
    assert ConsentGrant.objects.get().include_sensitive is True
    assert user_rows(physician) == ids(*record.entries.values())
    assert "can see your whole record, including sensitive entries for treatment" in (
        sharing_page(sharing)
    )


def test_share_with_a_care_team(sharing, record, physician):
    team = CareTeamFactory(name="Diabetes team", members=[physician])
    data = form_data(physician, grantee=f"team:{team.pk}")
    assert sharing.post("/portal/sharing/new/", data).status_code == 302
    given = ConsentGrant.objects.get()
    assert (given.grantee_team, given.grantee_user) == (team, None)
    assert group_rows(team.group) == ids(record["lab"], record["note"], record["document"])
    assert user_rows(physician) == set()
    assert "The Diabetes team can see your whole record for treatment" in sharing_page(sharing)


@pytest.mark.parametrize(
    ("purpose", "text"),
    [
        (Purpose.TREATMENT, "for treatment"),
        (Purpose.CARE_COORDINATION, "for care coordination"),
        (Purpose.RESEARCH, "for research"),
    ],
)
def test_each_purpose_reads_in_plain_words(sharing, record, physician, purpose, text):
    assert sharing.post("/portal/sharing/new/", form_data(physician, purpose=purpose)).status_code
    assert ConsentGrant.objects.get().purpose == purpose
    assert f"Dr A. Rivera can see your whole record {text} until you stop sharing" in (
        sharing_page(sharing)
    )


def test_other_purpose_needs_its_text(sharing, record, physician):
    response = sharing.post("/portal/sharing/new/", form_data(physician, purpose=Purpose.OTHER))
    assert response.status_code == 200
    assert "Please say what the access is for." in response.content.decode()
    assert not ConsentGrant.objects.exists()


def test_other_purpose_text_is_stored_and_shown(sharing, record, physician):
    data = form_data(physician, purpose=Purpose.OTHER, purpose_other="  my insurance claim  ")
    assert sharing.post("/portal/sharing/new/", data).status_code == 302
    given = ConsentGrant.objects.get()
    assert (given.purpose, given.purpose_other) == (Purpose.OTHER, "my insurance claim")
    assert "can see your whole record for my insurance claim" in sharing_page(sharing)


def test_purpose_text_is_dropped_when_purpose_is_not_other(sharing, record, physician):
    data = form_data(physician, purpose=Purpose.RESEARCH, purpose_other="ignored words")
    assert sharing.post("/portal/sharing/new/", data).status_code == 302
    assert ConsentGrant.objects.get().purpose_other == ""


def test_share_from_a_future_day_is_scheduled(client, record, patient_user, physician):
    with frozen_time(TODAY):
        client.force_login(patient_user)
        data = form_data(physician, starts_on="2026-12-01")
        assert client.post("/portal/sharing/new/", data).status_code == 302
        given = ConsentGrant.objects.get()
        assert given.starts_at == dt.datetime(2026, 12, 1, tzinfo=LONDON)
        assert given.status() == "scheduled"
        assert (
            "Dr A. Rivera will be able to see, from 1 December 2026, your whole record for "
            "treatment until you stop sharing." in sharing_page(client)
        )
    # Guardian rows are written now; the start time keeps them closed until then.
    assert user_rows(physician) == ids(record["lab"], record["note"], record["document"])


def test_share_until_an_end_date_reads_the_last_day_chosen(client, record, patient_user, physician):
    with frozen_time(TODAY):
        client.force_login(patient_user)
        data = form_data(
            physician,
            scope=Scope.CATEGORY,
            category=RecordCategory.LAB_RESULT,
            ends_on="2027-03-01",
        )
        response = client.post("/portal/sharing/new/", data)
        assert response.status_code == 302
        given = ConsentGrant.objects.get()
        # Sharing ends at the end of the chosen day.
        assert given.expires_at == dt.datetime(2027, 3, 2, tzinfo=LONDON)
        page = client.get("/portal/sharing/").content.decode()
    assert "Dr A. Rivera can see your lab results for treatment until 1 March 2027." in page


def test_staff_see_the_last_day_of_a_grant(client, record, patient, physician):
    with frozen_time(TODAY):
        grant(
            patient,
            physician,
            scope=Scope.CATEGORY,
            category=RecordCategory.LAB_RESULT,
            expires_at=dt.datetime(2027, 3, 2, tzinfo=LONDON),
        )
        client.force_login(physician)
        page = client.get(f"/staff/patients/{patient.pk}/").content.decode()
    assert "Lab results for treatment, until 1 March 2027" in page


def test_share_on_one_day_only(client, record, patient_user, physician):
    with frozen_time(TODAY):
        client.force_login(patient_user)
        data = form_data(physician, starts_on="2026-11-20", ends_on="2026-11-20")
        assert client.post("/portal/sharing/new/", data).status_code == 302
        given = ConsentGrant.objects.get()
        assert given.starts_at == TODAY
        assert given.expires_at == dt.datetime(2026, 11, 21, tzinfo=LONDON)


def test_sharing_page_keeps_what_the_patient_has_no_right_to_change_out_of_the_form(
    sharing, record, physician, front_desk
):
    """The grantee list offers physicians and care teams only."""
    page = sharing.get("/portal/sharing/new/").content.decode()
    assert f'value="user:{physician.pk}"' in page
    assert f'value="user:{front_desk.pk}"' not in page
    assert "Sam Okafor" not in page


# --- bad and hostile input ----------------------------------------------------------------------


def _other_patients_entry(w):
    return w["record"].other.pk


BAD_INPUT = {
    "no grantee": ({"grantee": ""}, "This field is required."),
    "front desk as grantee": (
        {"grantee": lambda w: f"user:{w['front_desk'].pk}"},
        "Select a valid choice.",
    ),
    "privacy officer as grantee": (
        {"grantee": lambda w: f"user:{w['privacy_officer'].pk}"},
        "Select a valid choice.",
    ),
    "patient as grantee": (
        {"grantee": lambda w: f"user:{w['other_patient_user'].pk}"},
        "Select a valid choice.",
    ),
    "nonexistent grantee": ({"grantee": "user:987654"}, "Select a valid choice."),
    "nonexistent team": ({"grantee": "team:987654"}, "Select a valid choice."),
    "garbage grantee": ({"grantee": "user:1 OR 1=1"}, "Select a valid choice."),
    "unknown scope": ({"scope": "everything"}, "Select a valid choice."),
    "category scope without category": (
        {"scope": Scope.CATEGORY},
        "Choose which category to share.",
    ),
    "unknown category": ({"scope": Scope.CATEGORY, "category": "diagnoses"}, "Select a valid"),
    "entry scope without entry": ({"scope": Scope.ENTRY}, "Choose which entry to share."),
    "another patient's entry": (
        {"scope": Scope.ENTRY, "entry": _other_patients_entry},
        "Select a valid choice.",
    ),
    "entry id not a number": ({"scope": Scope.ENTRY, "entry": "x'--"}, "Select a valid choice."),
    "unknown purpose": ({"purpose": "marketing"}, "Select a valid choice."),
    "other purpose without text": (
        {"purpose": Purpose.OTHER, "purpose_other": "   "},
        "Please say what the access is for.",
    ),
    "10,000-character purpose": (
        {"purpose": Purpose.OTHER, "purpose_other": "x" * 10_000},
        "at most 200 characters",
    ),
    "impossible start date": (
        {"starts_on": "2026-02-30"},
        BAD_DATE,
    ),
    "start date that is not a date": (
        {"starts_on": "<b>soon</b>"},
        BAD_DATE,
    ),
    "missing start date": ({"starts_on": ""}, "This field is required."),
    "impossible end date": (
        {"ends_on": "2027-13-01"},
        BAD_DATE,
    ),
    "start in the past": (
        {"starts_on": lambda w: (timezone.localdate() - dt.timedelta(days=1)).isoformat()},
        "The start date cannot be in the past.",
    ),
    "start more than a year ahead": (
        {"starts_on": lambda w: (timezone.localdate() + dt.timedelta(days=400)).isoformat()},
        "The start date must be within a year.",
    ),
    "end before start": (
        {
            "starts_on": lambda w: (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
            "ends_on": lambda w: (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
        },
        "The end date must be on or after the start date.",
    ),
    "end in the past": (
        {"ends_on": lambda w: (timezone.localdate() - dt.timedelta(days=3)).isoformat()},
        "The end date must be on or after the start date.",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_is_refused_with_a_message_and_writes_nothing(
    sharing, record, physician, front_desk, privacy_officer, other_patient_user, case
):
    w = {
        "record": record,
        "front_desk": front_desk,
        "privacy_officer": privacy_officer,
        "other_patient_user": other_patient_user,
    }
    overrides, message = BAD_INPUT[case]
    data = form_data(physician)
    for key, value in overrides.items():
        data[key] = value(w) if callable(value) else value
    response = sharing.post("/portal/sharing/new/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the following" in page
    assert message in page
    assert not ConsentGrant.objects.exists()
    assert not RecordEntryUserObjectPermission.objects.exists()
    assert not RecordEntryGroupObjectPermission.objects.exists()


def test_inactive_physician_cannot_be_chosen(sharing, record, physician):
    physician.is_active = False
    physician.save()
    response = sharing.post("/portal/sharing/new/", form_data(physician))
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not ConsentGrant.objects.exists()


def test_html_in_the_purpose_is_shown_as_text(sharing, record, physician):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    data = form_data(physician, purpose=Purpose.OTHER, purpose_other=hostile)
    response = sharing.post("/portal/sharing/new/", data, follow=True)
    page = response.content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert ConsentGrant.objects.get().purpose_other == hostile


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_on_the_grant_form_are_refused(sharing, record, physician, method):
    assert getattr(sharing, method)("/portal/sharing/new/").status_code == 405
    assert not ConsentGrant.objects.exists()


# --- the service refuses what the form would never send -----------------------------------------


def test_service_refuses_a_non_physician_grantee(record, patient, front_desk):
    with pytest.raises(ValidationError):
        grant(patient, front_desk)
    assert not ConsentGrant.objects.exists()


def test_service_refuses_another_patients_entry(record, patient, physician):
    with pytest.raises(ValidationError):
        grant(patient, physician, scope=Scope.ENTRY, entry=record.other)
    assert not ConsentGrant.objects.exists()


def test_service_refuses_an_end_before_the_start(record, patient, physician):
    start = timezone.now() + dt.timedelta(days=5)
    with pytest.raises(ValidationError):
        grant(patient, physician, starts_at=start, expires_at=start - dt.timedelta(days=1))
    assert not ConsentGrant.objects.exists()


def test_service_refuses_both_a_physician_and_a_team(record, patient, physician):
    with pytest.raises(ValidationError):
        grant(patient, physician, team=CareTeamFactory())
    assert not ConsentGrant.objects.exists()


# --- guardian rows follow the grants ------------------------------------------------------------


def test_guardian_rows_match_each_scope(record, patient, physician, other_physician):
    grant(patient, physician, scope=Scope.CATEGORY, category=RecordCategory.VISIT_NOTE)
    grant(patient, other_physician, scope=Scope.ENTRY, entry=record["sensitive"])
    assert user_rows(physician) == ids(record["note"])
    assert user_rows(other_physician) == ids(record["sensitive"])


def test_guardian_rows_of_the_other_patient_are_untouched(
    record, patient, other_patient, physician
):
    grant(other_patient, physician)
    grant(patient, physician, scope=Scope.CATEGORY, category=RecordCategory.LAB_RESULT)
    assert user_rows(physician) == ids(record.other, record["lab"])


def test_revoking_removes_the_guardian_rows(record, patient, physician):
    given = grant(patient, physician, include_sensitive=True)
    services.revoke_consent(grant=given, revoked_by=patient.user)
    assert user_rows(physician) == set()


def test_revoking_one_of_two_grants_keeps_the_other_grants_rows(record, patient, physician):
    grant(patient, physician, scope=Scope.CATEGORY, category=RecordCategory.LAB_RESULT)
    wider = grant(patient, physician, include_sensitive=True)
    services.revoke_consent(grant=wider, revoked_by=patient.user)
    assert user_rows(physician) == ids(record["lab"])


def test_team_rows_follow_team_grants(record, patient, physician):
    team = CareTeamFactory(members=[physician])
    given = grant(patient, team=team, scope=Scope.CATEGORY, category=RecordCategory.LAB_RESULT)
    assert group_rows(team.group) == ids(record["lab"])
    services.revoke_consent(grant=given, revoked_by=patient.user)
    assert group_rows(team.group) == set()


def test_grant_written_without_its_guardian_rows_shows_no_entry(
    client, record, patient, patient_user, physician
):
    """Guardian rows are a second, fail-closed filter: a grant row written behind the service's
    back (so nothing was derived) opens no entry."""
    ConsentGrant.objects.create(
        patient=patient,
        grantee_user=physician,
        scope=Scope.RECORD,
        purpose=Purpose.TREATMENT,
        include_sensitive=True,
        given_via=GivenVia.PORTAL,
        recorded_by=patient_user,
    )
    assert user_rows(physician) == set()
    client.force_login(physician)
    page = client.get(f"/staff/patients/{patient.pk}/").content.decode()
    assert "There are no entries you may see" in page
    assert "Cholesterol panel" not in page
    lab = record["lab"].pk
    assert client.get(f"/staff/patients/{patient.pk}/entries/{lab}/").status_code == 404


def test_new_entry_is_covered_by_an_existing_whole_record_grant(client, record, patient, physician):
    grant(patient, physician)
    later = RecordEntryFactory(patient=patient, title="Flu shot", body="Given left arm")
    assert later.pk in user_rows(physician)
    client.force_login(physician)
    response = client.get(f"/staff/patients/{patient.pk}/entries/{later.pk}/")
    assert response.status_code == 200
    assert "Given left arm" in response.content.decode()


def test_new_sensitive_entry_is_not_covered_by_a_plain_grant(client, record, patient, physician):
    grant(patient, physician)
    later = RecordEntryFactory(patient=patient, title="HIV test", sensitive=True)
    assert later.pk not in user_rows(physician)
    client.force_login(physician)
    assert client.get(f"/staff/patients/{patient.pk}/entries/{later.pk}/").status_code == 404


def test_entry_written_by_the_physician_is_covered_by_their_category_grant(
    client, record, patient, physician
):
    grant(patient, physician, scope=Scope.CATEGORY, category=RecordCategory.LAB_RESULT)
    client.force_login(physician)
    response = client.post(
        f"/staff/patients/{patient.pk}/entries/new/",
        {
            "category": RecordCategory.LAB_RESULT,
            "title": "HbA1c",
            "body": "48 mmol/mol",
            "recorded_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    new = patient.record_entries.get(title="HbA1c")
    assert new.author == physician
    assert new.pk in user_rows(physician)
    page = client.get(f"/staff/patients/{patient.pk}/").content.decode()
    assert "HbA1c" in page and "Cholesterol panel" in page and "Knee pain" not in page


def test_category_grant_allows_writing_only_that_category(client, record, patient, physician):
    grant(patient, physician, scope=Scope.CATEGORY, category=RecordCategory.LAB_RESULT)
    client.force_login(physician)
    response = client.post(
        f"/staff/patients/{patient.pk}/entries/new/",
        {
            "category": RecordCategory.VISIT_NOTE,
            "title": "Sneaky note",
            "recorded_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not patient.record_entries.filter(title="Sneaky note").exists()


# --- revocation and expiry take effect on the next request --------------------------------------


def test_revocation_takes_effect_on_the_next_request(
    client, record, patient, patient_user, physician
):
    given = grant(patient, physician)
    doctor = client
    doctor.force_login(physician)
    assert doctor.get(f"/staff/patients/{patient.pk}/").status_code == 200
    entry_url = f"/staff/patients/{patient.pk}/entries/{record['lab'].pk}/"
    assert doctor.get(entry_url).status_code == 200

    from django.test import Client

    maria = Client()
    maria.force_login(patient_user)
    response = maria.post(f"/portal/sharing/{given.pk}/stop/", {"reason": "Changed doctor"})
    assert response.status_code == 302
    page = maria.get("/portal/sharing/").content.decode()
    assert "You stopped sharing with Dr A. Rivera. It takes effect immediately." in page

    assert doctor.get(f"/staff/patients/{patient.pk}/").status_code == 404
    assert doctor.get(entry_url).status_code == 404
    assert "Maria Santos" not in doctor.get("/staff/patients/").content.decode()


def test_revocation_wins_over_a_stale_guardian_row(client, record, patient, physician):
    """Even if a derived row were left behind, the revoked grant closes the record."""
    given = grant(patient, physician)
    ConsentGrant.objects.filter(pk=given.pk).update(revoked_at=timezone.now())
    assert user_rows(physician)  # the rows are still there
    client.force_login(physician)
    assert (
        client.get(f"/staff/patients/{patient.pk}/entries/{record['lab'].pk}/").status_code == 404
    )


def test_expiry_takes_effect_without_any_sweep(client, record, patient, physician):
    now = timezone.now()
    grant(patient, physician, expires_at=now + dt.timedelta(hours=1))
    entry_url = f"/staff/patients/{patient.pk}/entries/{record['lab'].pk}/"
    client.force_login(physician)
    assert client.get(entry_url).status_code == 200

    with frozen_time(now + dt.timedelta(hours=1, minutes=1)):
        client.force_login(physician)
        assert client.get(entry_url).status_code == 404
        assert client.get(f"/staff/patients/{patient.pk}/").status_code == 404
        assert "Maria Santos" not in client.get("/staff/patients/").content.decode()
    assert user_rows(physician), "no sweep ran: the derived rows are still there"


def test_scheduled_grant_opens_on_its_start_day(client, record, patient, physician):
    now = timezone.now()
    grant(patient, physician, starts_at=now + dt.timedelta(days=2))
    client.force_login(physician)
    assert client.get(f"/staff/patients/{patient.pk}/").status_code == 404
    with frozen_time(now + dt.timedelta(days=2, seconds=1)):
        client.force_login(physician)
        assert client.get(f"/staff/patients/{patient.pk}/").status_code == 200


def test_beat_task_removes_rows_of_expired_grants(record, patient, physician):
    now = timezone.now()
    grant(patient, physician, expires_at=now + dt.timedelta(hours=1))
    assert user_rows(physician)
    with frozen_time(now + dt.timedelta(hours=2)):
        assert remove_ended_grant_permissions.apply().get() == 1
    assert user_rows(physician) == set()
    assert ConsentGrant.objects.count() == 1  # the grant itself stays, as history


def test_beat_task_keeps_rows_of_grants_in_force(record, patient, physician, other_physician):
    now = timezone.now()
    grant(patient, physician)
    grant(patient, other_physician, expires_at=now + dt.timedelta(hours=1))
    with frozen_time(now + dt.timedelta(hours=2)):
        remove_ended_grant_permissions.apply().get()
    assert user_rows(physician) == ids(record["lab"], record["note"], record["document"])
    assert user_rows(other_physician) == set()


def test_beat_task_removes_rows_of_an_expired_grant_beside_one_still_in_force(
    record, patient, physician
):
    now = timezone.now()
    grant(patient, physician, scope=Scope.CATEGORY, category=RecordCategory.LAB_RESULT)
    grant(
        patient,
        physician,
        scope=Scope.CATEGORY,
        category=RecordCategory.VISIT_NOTE,
        expires_at=now + dt.timedelta(hours=1),
    )
    assert user_rows(physician) == ids(record["lab"], record["note"])
    with frozen_time(now + dt.timedelta(hours=2)):
        remove_ended_grant_permissions.apply().get()
    assert user_rows(physician) == ids(record["lab"])


def test_beat_task_removes_sensitive_rows_when_only_a_plain_grant_is_left(
    record, patient, physician
):
    now = timezone.now()
    grant(patient, physician)
    grant(patient, physician, include_sensitive=True, expires_at=now + dt.timedelta(hours=1))
    assert record["sensitive"].pk in user_rows(physician)
    with frozen_time(now + dt.timedelta(hours=2)):
        remove_ended_grant_permissions.apply().get()
    assert user_rows(physician) == ids(record["lab"], record["note"], record["document"])


def test_beat_task_keeps_rows_of_scheduled_grants(record, patient, physician):
    grant(patient, physician, starts_at=timezone.now() + dt.timedelta(days=3))
    assert remove_ended_grant_permissions.apply().get() == 0
    assert user_rows(physician) == ids(record["lab"], record["note"], record["document"])


def test_beat_task_removes_team_rows_of_expired_grants(record, patient, physician):
    now = timezone.now()
    team = CareTeamFactory(members=[physician])
    grant(patient, team=team, expires_at=now + dt.timedelta(hours=1))
    with frozen_time(now + dt.timedelta(hours=2)):
        remove_ended_grant_permissions.apply().get()
    assert group_rows(team.group) == set()


# --- history: grants are never deleted ----------------------------------------------------------


def test_history_shows_revoked_and_expired_grants(client, record, patient, patient_user, physician):
    with frozen_time(TODAY - dt.timedelta(days=30)):
        grant(
            patient,
            physician,
            scope=Scope.CATEGORY,
            category=RecordCategory.MEDICATION,
            expires_at=TODAY - dt.timedelta(days=10),
        )
        stopped = grant(patient, physician, purpose=Purpose.RESEARCH)
    with frozen_time(TODAY - dt.timedelta(days=2)):
        services.revoke_consent(grant=stopped, revoked_by=patient_user, reason="Study over")
    with frozen_time(TODAY):
        client.force_login(patient_user)
        page = client.get("/portal/sharing/").content.decode()
    history = page.split('id="history"')[1]
    assert "Dr A. Rivera could see your medications for treatment until 10 November 2026." in (
        history
    )
    assert (
        "Dr A. Rivera could see your whole record for research until you stopped sharing on "
        "18 November 2026." in history
    )
    assert "Your reason: Study over" in history
    assert "You are not sharing your record with anyone." in page
    assert ConsentGrant.objects.count() == 2


def test_revoking_twice_changes_nothing_the_second_time(sharing, record, patient_user, physician):
    given = grant(patient_user.patient, physician)
    first = sharing.post(f"/portal/sharing/{given.pk}/stop/", {"reason": "First reason"})
    assert first.status_code == 302
    given.refresh_from_db()
    revoked_at = given.revoked_at
    assert revoked_at is not None

    second = sharing.post(f"/portal/sharing/{given.pk}/stop/", {"reason": "Second reason"})
    assert second.status_code == 302
    given.refresh_from_db()
    assert given.revoked_at == revoked_at
    assert given.revoke_reason == "First reason"
    assert "This sharing has already ended." in sharing.get("/portal/sharing/").content.decode()


def test_revoke_service_is_idempotent(record, patient, patient_user, physician):
    given = grant(patient, physician)
    first = services.revoke_consent(grant=given, revoked_by=patient_user, reason="a")
    second = services.revoke_consent(grant=given, revoked_by=patient_user, reason="b")
    assert second.revoked_at == first.revoked_at and second.revoke_reason == "a"


def test_revoke_page_describes_the_grant(sharing, record, patient, physician):
    given = grant(patient, physician, scope=Scope.CATEGORY, category=RecordCategory.LAB_RESULT)
    page = sharing.get(f"/portal/sharing/{given.pk}/stop/").content.decode()
    assert "Stop sharing with Dr A. Rivera" in page
    assert "Dr A. Rivera can see your lab results for treatment until you stop sharing." in page


def test_revoking_a_scheduled_grant(sharing, record, patient, physician):
    given = grant(patient, physician, starts_at=timezone.now() + dt.timedelta(days=3))
    assert sharing.post(f"/portal/sharing/{given.pk}/stop/", {"reason": ""}).status_code == 302
    given.refresh_from_db()
    assert given.status() == "revoked"
    assert user_rows(physician) == set()


def test_too_long_revoke_reason_is_refused_and_grant_stays(sharing, record, patient, physician):
    given = grant(patient, physician)
    response = sharing.post(f"/portal/sharing/{given.pk}/stop/", {"reason": "x" * 10_000})
    assert response.status_code == 200
    assert "at most 500 characters" in response.content.decode()
    given.refresh_from_db()
    assert given.revoked_at is None
    assert user_rows(physician)


def test_html_in_the_revoke_reason_is_shown_as_text(sharing, record, patient, physician):
    given = grant(patient, physician)
    hostile = "<script>alert(1)</script>"
    sharing.post(f"/portal/sharing/{given.pk}/stop/", {"reason": hostile})
    page = sharing_page(sharing)
    assert "<script>alert(1)</script>" not in page
    assert "Your reason: &lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_staff_cannot_use_the_sharing_pages(client, record, patient, physician):
    given = grant(patient, physician)
    client.force_login(physician)
    for url in ("/portal/sharing/", "/portal/sharing/new/", f"/portal/sharing/{given.pk}/stop/"):
        assert client.get(url).status_code == 403
    assert client.post(f"/portal/sharing/{given.pk}/stop/").status_code == 403
    given.refresh_from_db()
    assert given.revoked_at is None
