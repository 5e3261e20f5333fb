"""The sharing choice the patient makes at the face-to-face visit: recorded only while they are
there, by the staff member running the visit, from a form with nothing chosen in advance, read
back before it is saved, and confirmed to the patient with a one-click way to stop it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from consent import in_person_views, services
from consent.models import ConsentGrant, GivenVia
from notifications.models import Notification, NotificationKind
from patients.models import RecordCategory
from tests.factories import PatientFactory, RecordEntryFactory, frozen_time
from tests.factories.onboarding import (
    OnboardingVisitFactory,
    checked_in,
    completed,
    identity_verified,
)

USUAL = {"physician": "PHYSICIAN", "scope": "record", "purpose": "treatment"}


@pytest.fixture
def visit(patient, front_desk, physician):
    """Maria is at the desk today: checked in and her identity checked by Sam, who runs it."""
    patient.primary_physician = physician
    patient.save()
    return identity_verified(
        checked_in(OnboardingVisitFactory(patient=patient, staff_member=front_desk), front_desk),
        front_desk,
    )


def url(visit) -> str:
    return f"/staff/onboarding/visits/{visit.pk}/consent/"


def answers(physician, **changes) -> dict:
    data = {**USUAL, **changes}
    return {k: str(physician.pk) if v == "PHYSICIAN" else v for k, v in data.items()}


def read_back(client, visit, data) -> tuple[str, str]:
    """Post the answers; return the check page and its signed choice."""
    response = client.post(url(visit), data)
    assert response.status_code == 200
    page = response.content.decode()
    choice = re.search(r'name="choice" value="([^"]+)"', page)
    assert choice, "no check-your-answers step"
    return page, choice.group(1)


def confirm(client, visit, choice):
    return client.post(url(visit), {"choice": choice, "confirm": "1"})


def test_front_desk_records_the_usual_choice_given_in_person(
    client, visit, patient, front_desk, physician, patient_user
):
    RecordEntryFactory(
        category=RecordCategory.LAB_RESULT,
        patient=patient,
        author=physician,
        title="Visible after consent",
    )
    client.force_login(physician)
    assert client.get(f"/staff/patients/{patient.pk}/").status_code == 404

    client.force_login(front_desk)
    page, choice = read_back(client, visit, answers(physician))
    assert "Dr A. Rivera can see your whole record for treatment until you stop sharing" in page
    assert "are <strong>not</strong> included" in page  # sensitive entries, said out loud
    assert not ConsentGrant.objects.exists()  # nothing saved before the patient agrees
    response = confirm(client, visit, choice)
    assert response.status_code == 302
    grant = ConsentGrant.objects.get(patient=patient)
    assert (grant.given_via, grant.recorded_by, grant.grantee_user, grant.visit) == (
        GivenVia.IN_PERSON,
        front_desk,
        physician,
        visit,
    )
    assert not grant.include_sensitive
    visit_page = client.get(response["Location"]).content.decode()
    assert "Dr A. Rivera can see your whole record for treatment" in visit_page
    assert "Visible after consent" not in visit_page  # the front desk never sees content

    client.force_login(physician)
    assert "Visible after consent" in client.get(f"/staff/patients/{patient.pk}/").content.decode()
    client.force_login(patient_user)
    sharing = client.get("/portal/sharing/").content.decode()
    assert "Given in person" in sharing
    assert "Sam Okafor recorded that you agreed to share your record with Dr A. Rivera" in sharing


def test_the_form_arrives_with_nothing_chosen(client, visit, front_desk, physician):
    client.force_login(front_desk)
    form = client.get(url(visit)).content.decode()
    assert not re.search(r'<option value="[^"]+"[^>]* selected', form)
    assert "checked" not in form
    response = client.post(url(visit), {})  # submitted untouched
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not ConsentGrant.objects.exists()


def test_including_sensitive_entries_is_read_back_plainly(client, visit, front_desk, physician):
    client.force_login(front_desk)
    page, choice = read_back(client, visit, answers(physician, include_sensitive="on"))
    assert "<strong>This includes sensitive entries</strong>" in page
    confirm(client, visit, choice)
    assert ConsentGrant.objects.get().include_sensitive


def test_changing_the_answers_saves_nothing(client, visit, front_desk, physician):
    client.force_login(front_desk)
    _page, choice = read_back(client, visit, answers(physician))
    response = client.post(url(visit), {"choice": choice, "change": "1"})
    assert response.status_code == 200
    assert f'<option value="{physician.pk}" selected>' in response.content.decode()
    assert not ConsentGrant.objects.exists()


def test_what_is_saved_is_exactly_what_was_read_back(client, visit, front_desk, physician):
    client.force_login(front_desk)
    _page, choice = read_back(client, visit, answers(physician))
    tampered = choice[:-3] + ("aaa" if not choice.endswith("aaa") else "bbb")
    response = client.post(url(visit), {"choice": tampered, "confirm": "1"})
    assert response.status_code == 200
    assert "Please go through it with the patient again" in response.content.decode()
    assert not ConsentGrant.objects.exists()


def test_a_read_back_too_old_must_be_read_again(client, visit, front_desk, physician, monkeypatch):
    client.force_login(front_desk)
    _page, choice = read_back(client, visit, answers(physician))
    monkeypatch.setattr(in_person_views, "CHECK_ANSWERS_MAX_AGE", -1)  # as if 30 minutes passed
    response = confirm(client, visit, choice)
    assert response.status_code == 200
    assert not ConsentGrant.objects.exists()


def test_a_completed_visit_cannot_take_a_choice(client, patient, front_desk, physician):
    visit = completed(OnboardingVisitFactory(patient=patient, staff_member=front_desk), front_desk)
    client.force_login(front_desk)
    response = client.post(url(visit), answers(physician))
    assert response.status_code == 302
    assert not ConsentGrant.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "can be recorded only while the patient is here" in page


def test_a_visit_checked_in_on_another_day_cannot_take_a_choice(
    client, patient, front_desk, physician
):
    with frozen_time(timezone.now() - dt.timedelta(days=3)):
        visit = identity_verified(
            checked_in(
                OnboardingVisitFactory(patient=patient, staff_member=front_desk), front_desk
            ),
            front_desk,
        )
    client.force_login(front_desk)
    assert client.post(url(visit), answers(physician)).status_code == 302
    assert not ConsentGrant.objects.exists()


@pytest.mark.parametrize("who", ["another_desk", "clinic_admin"])
def test_only_the_staff_member_running_the_visit_records_it(
    client, visit, physician, clinic_admin, who
):
    from clinic.models import Role
    from tests.factories import StaffFactory

    user = clinic_admin if who == "clinic_admin" else StaffFactory(role=Role.FRONT_DESK)
    client.force_login(user)
    assert client.post(url(visit), answers(physician)).status_code == 302
    with pytest.raises(Exception, match="Only the staff member running this visit"):
        services.record_in_person_choice(
            visit=visit,
            recorded_by=user,
            grantee_user=physician,
            scope="record",
            purpose="treatment",
        )
    assert not ConsentGrant.objects.exists()


def test_the_service_refuses_in_person_grants_without_an_open_visit(patient, front_desk, physician):
    with pytest.raises(Exception, match="recorded at the patient's visit"):
        services.grant_consent(
            patient=patient,
            recorded_by=front_desk,
            given_via=GivenVia.IN_PERSON,
            grantee_user=physician,
            scope="record",
            purpose="treatment",
        )
    assert not ConsentGrant.objects.exists()


def test_the_patient_is_told_with_a_one_click_way_to_stop_it(
    client, visit, patient, patient_user, front_desk, physician, django_capture_on_commit_callbacks
):
    client.force_login(front_desk)
    _page, choice = read_back(client, visit, answers(physician))
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, visit, choice)
    grant = ConsentGrant.objects.get()
    note = Notification.objects.get(recipient=patient_user, kind=NotificationKind.CONSENT_RECORDED)
    day = f"{timezone.localtime(visit.starts_at):%-d %B %Y}"
    assert note.message == (
        f"At your visit on {day}, Sam Okafor recorded that you agreed to share your record with "
        "Dr A. Rivera. Not you, or not what you said? Stop it here."
    )
    assert note.link == f"/portal/sharing/{grant.pk}/stop/"
    [email] = [m for m in mail.outbox if m.to == [patient_user.email]]
    assert "Sam Okafor recorded that you agreed" in email.body
    assert note.link in email.body

    client.force_login(patient_user)
    assert client.post(note.link).status_code == 302  # one click
    grant.refresh_from_db()
    assert grant.revoked_at is not None


def test_a_patient_without_an_account_yet_is_told_by_email(
    client, front_desk, physician, django_capture_on_commit_callbacks
):
    patient = PatientFactory(email="tom@example.org", legal_name="Thomas Whitfield")
    visit = identity_verified(
        checked_in(OnboardingVisitFactory(patient=patient, staff_member=front_desk), front_desk),
        front_desk,
    )
    client.force_login(front_desk)
    _page, choice = read_back(client, visit, answers(physician))
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(client, visit, choice)
    assert "The patient is told by email" in client.get(response["Location"]).content.decode()
    [email] = [m for m in mail.outbox if m.to == ["tom@example.org"]]
    assert (
        "Sam Okafor recorded that you agreed to share your record with Dr A. Rivera" in email.body
    )
    assert "call us on" in email.body
    for forbidden in ("lab", "sensitive", "treatment", patient.mrn):
        assert forbidden not in email.body


@pytest.mark.parametrize(
    "data",
    [
        {"physician": "", "scope": "record", "purpose": "treatment"},
        {"physician": "999999", "scope": "record", "purpose": "treatment"},
        {"physician": "<script>", "scope": "record", "purpose": "treatment"},
        {"physician": "PHYSICIAN", "scope": "category", "category": "", "purpose": "treatment"},
        {"physician": "PHYSICIAN", "scope": "entry", "purpose": "treatment"},
        {"physician": "PHYSICIAN", "scope": "record", "purpose": "other", "purpose_other": ""},
        {
            "physician": "PHYSICIAN",
            "scope": "record",
            "purpose": "other",
            "purpose_other": "x" * 5000,
        },
        {"physician": "FRONT_DESK", "scope": "record", "purpose": "treatment"},
        {"choice": "not-a-signed-choice", "confirm": "1"},
    ],
)
def test_bad_input_is_refused_with_a_message(client, visit, front_desk, physician, data):
    data = {
        k: {"PHYSICIAN": str(physician.pk), "FRONT_DESK": str(front_desk.pk)}.get(v, v)
        for k, v in data.items()
    }
    client.force_login(front_desk)
    response = client.post(url(visit), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the following" in page or "go through it with the patient" in page
    assert not ConsentGrant.objects.exists()


def test_only_front_desk_and_admin_open_the_page(
    client, visit, physician, privacy_officer, patient_user
):
    for user in (physician, privacy_officer, patient_user):
        client.force_login(user)
        assert client.post(url(visit), answers(physician)).status_code in (403, 404)
    assert not ConsentGrant.objects.exists()


def test_unknown_visit_is_404(client, front_desk):
    client.force_login(front_desk)
    assert client.get("/staff/onboarding/visits/999999/consent/").status_code == 404


def test_confirming_twice_records_the_choice_once_and_tells_once(
    client, visit, front_desk, physician, patient_user
):
    client.force_login(front_desk)
    _page, choice = read_back(client, visit, answers(physician))
    confirm(client, visit, choice)
    confirm(client, visit, choice)
    assert ConsentGrant.objects.count() == 1
    assert Notification.objects.filter(kind=NotificationKind.CONSENT_RECORDED).count() == 1
