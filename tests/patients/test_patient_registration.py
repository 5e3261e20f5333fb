"""Registering a patient at the front desk: MRN, duplicate warning, double submit, who may."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone

from patients import services
from patients.models import MRN_ALPHABET, MRN_LENGTH, Language, Patient
from tests.factories import PatientFactory

NEW = "/staff/onboarding/patients/new/"


def form_data(site, **overrides) -> dict:
    data = {
        "legal_name": "Grace O'Neil-Okafor",
        "preferred_name": "Grace",
        "date_of_birth": "1990-05-17",
        "email": "grace@example.org",
        "phone": "+44 20 7946 0000",
        "preferred_language": Language.ENGLISH,
        "primary_physician": "",
        "site": site.pk,
        "registration_token": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_it_registers_a_patient_with_a_random_mrn(desk, site, front_desk, physician):
    response = desk.post(NEW, form_data(site, primary_physician=physician.pk))
    patient = Patient.objects.get(email="grace@example.org")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/onboarding/patients/{patient.pk}/"
    assert patient.legal_name == "Grace O'Neil-Okafor"
    assert patient.date_of_birth == date(1990, 5, 17)
    assert patient.primary_physician == physician
    assert patient.created_by == front_desk
    assert patient.mrn.startswith("R") and len(patient.mrn) == 1 + MRN_LENGTH
    page = desk.get(response["Location"]).content.decode()
    assert f"MRN {patient.mrn}" in page
    assert "Book the first visit" in page


def test_mrns_are_unique_and_unrelated_to_each_other(db, site):
    mrns = [PatientFactory(site=site).mrn for _ in range(60)]
    assert len(set(mrns)) == 60
    assert all(set(m[1:]) <= set(MRN_ALPHABET) for m in mrns)
    # Consecutive patients share no predictable structure: most positions differ.
    same_positions = [
        sum(a == b for a, b in zip(x, y, strict=True)) for x, y in zip(mrns, mrns[1:], strict=False)
    ]
    assert max(same_positions) <= 1 + 4  # the "R" plus at most a few chance matches


def test_a_likely_duplicate_is_shown_before_creating_a_second_record(desk, site):
    existing = PatientFactory(legal_name="Grace O'Neil-Okafor", date_of_birth=date(1990, 5, 17))
    response = desk.post(NEW, form_data(site, legal_name="  grace  o'neil-okafor "))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This may be someone we already know" in page
    assert existing.mrn in page
    assert "I have checked: this is a different person" in page
    assert Patient.objects.count() == 1


def test_confirming_it_is_someone_else_creates_the_second_record(desk, site):
    PatientFactory(legal_name="Grace O'Neil-Okafor", date_of_birth=date(1990, 5, 17))
    response = desk.post(NEW, form_data(site, confirm_not_duplicate="on"))
    assert response.status_code == 302
    assert Patient.objects.filter(legal_name="Grace O'Neil-Okafor").count() == 2


def test_a_different_date_of_birth_is_not_a_duplicate(desk, site):
    PatientFactory(legal_name="Grace O'Neil-Okafor", date_of_birth=date(1991, 5, 17))
    assert desk.post(NEW, form_data(site)).status_code == 302


def test_a_double_submit_creates_one_patient(desk, site):
    data = form_data(site, confirm_not_duplicate="on")
    first = desk.post(NEW, data)
    second = desk.post(NEW, data)
    assert first["Location"] == second["Location"]
    assert Patient.objects.filter(email="grace@example.org").count() == 1


def test_the_primary_physician_must_be_a_physician(db, site, front_desk):
    with pytest.raises(services.ValidationError):
        services.register_patient(
            created_by=front_desk,
            legal_name="Grace Hopper",
            date_of_birth=date(1990, 1, 1),
            email="grace@example.org",
            site=site,
            primary_physician=front_desk,
        )
    assert not Patient.objects.exists()


def test_a_date_of_birth_in_the_future_is_refused(desk, site):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = desk.post(NEW, form_data(site, date_of_birth=tomorrow))
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    response = desk.post(NEW, form_data(site, date_of_birth="2999-01-01"))
    assert "Enter a date between 1900 and 2100." in response.content.decode()
    assert not Patient.objects.exists()


def test_search_finds_by_name_and_by_mrn(desk, site):
    grace = PatientFactory(legal_name="Grace Hopper")
    PatientFactory(legal_name="Ada Lovelace")
    page = desk.get("/staff/onboarding/patients/", {"q": "hopp"}).content.decode()
    assert "Grace Hopper" in page and "Ada Lovelace" not in page
    page = desk.get("/staff/onboarding/patients/", {"q": grace.mrn.lower()}).content.decode()
    assert "Grace Hopper" in page and "Ada Lovelace" not in page


def test_physicians_and_privacy_officers_cannot_use_onboarding(client, physician, privacy_officer):
    patient = PatientFactory()
    for user in (physician, privacy_officer):
        client.force_login(user)
        assert client.get("/staff/onboarding/").status_code == 403
        assert client.get(f"/staff/onboarding/patients/{patient.pk}/").status_code == 403
        assert client.post(NEW, {}).status_code == 403


def test_an_admin_can_use_onboarding(client, clinic_admin):
    client.force_login(clinic_admin)
    assert client.get("/staff/onboarding/").status_code == 200


def test_an_unknown_patient_is_a_404(desk):
    assert desk.get("/staff/onboarding/patients/999999/").status_code == 404
    assert desk.get("/staff/onboarding/patients/999999/schedule/").status_code == 404
