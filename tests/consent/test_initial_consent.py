"""The sharing choice the patient makes at the face-to-face visit, recorded by the front desk."""

from __future__ import annotations

import pytest

from consent.models import ConsentGrant, GivenVia
from patients.models import RecordCategory
from tests.factories import RecordEntryFactory
from tests.factories.onboarding import OnboardingVisitFactory, checked_in, identity_verified


@pytest.fixture
def visit(patient, front_desk, physician):
    patient.primary_physician = physician
    patient.save()
    return identity_verified(
        checked_in(OnboardingVisitFactory(patient=patient), front_desk), front_desk
    )


def url(visit) -> str:
    return f"/staff/onboarding/visits/{visit.pk}/consent/"


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
    form = client.get(url(visit)).content.decode()
    assert f'<option value="{physician.pk}" selected>' in form  # the primary physician
    response = client.post(
        url(visit), {"physician": physician.pk, "scope": "record", "purpose": "treatment"}
    )
    assert response.status_code == 302
    grant = ConsentGrant.objects.get(patient=patient)
    assert (grant.given_via, grant.recorded_by, grant.grantee_user) == (
        GivenVia.IN_PERSON,
        front_desk,
        physician,
    )
    assert not grant.include_sensitive
    visit_page = client.get(response["Location"]).content.decode()
    assert "Dr A. Rivera can see your whole record for treatment" in visit_page
    assert "Visible after consent" not in visit_page  # the front desk never sees content

    client.force_login(physician)
    assert "Visible after consent" in client.get(f"/staff/patients/{patient.pk}/").content.decode()
    client.force_login(patient_user)
    assert "Given in person" in client.get("/portal/sharing/").content.decode()


def test_nothing_is_recorded_before_the_identity_check(client, patient, front_desk, physician):
    visit = checked_in(OnboardingVisitFactory(patient=patient), front_desk)
    client.force_login(front_desk)
    response = client.post(
        url(visit), {"physician": physician.pk, "scope": "record", "purpose": "treatment"}
    )
    assert response.status_code == 302
    assert not ConsentGrant.objects.exists()


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
    assert "Please correct the following" in response.content.decode()
    assert not ConsentGrant.objects.exists()


def test_only_front_desk_and_admin_record_it(
    client, visit, physician, privacy_officer, patient_user
):
    for user in (physician, privacy_officer, patient_user):
        client.force_login(user)
        assert client.post(
            url(visit), {"physician": physician.pk, "scope": "record", "purpose": "treatment"}
        ).status_code in (403, 404)
    assert not ConsentGrant.objects.exists()


def test_unknown_visit_is_404(client, front_desk):
    client.force_login(front_desk)
    assert client.get("/staff/onboarding/visits/999999/consent/").status_code == 404
