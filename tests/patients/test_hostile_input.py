"""Hostile input in every field of every onboarding form: markup, very long strings, null bytes,
bad dates and ids. Each gets a form error (never a 500), is never echoed unescaped, and changes
nothing in the database."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from tests.factories import PatientFactory
from tests.factories.onboarding import OnboardingVisitFactory, checked_in, ready_to_activate

SCRIPT = "<script>alert('x')</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
LONG = "A" * 10_000
NUL = "Tom\x00Whitfield"
TEXT_ATTACKS = [SCRIPT, ATTRIBUTE, LONG, NUL]
DATE_ATTACKS = ["2023-02-30", "31/31/2020", "0000-00-00", "9999-99-99", "tomorrow", SCRIPT, LONG]
CHOICE_ATTACKS = ["999999", "-1", "1 OR 1=1", SCRIPT, LONG]
DOB = date(1957, 11, 2)
PASSPHRASE = "walking the dog along the canal at dawn"


def snapshot() -> dict:
    """Every row of every model that onboarding can write."""
    labels = [
        "patients.Patient",
        "patients.OnboardingVisit",
        "patients.OnboardingChecklistEntry",
        "patients.ActivationCode",
        "notifications.Notification",
        "clinic.User",
        "account.EmailAddress",
    ]
    return {
        label: sorted(apps.get_model(label).objects.values_list(), key=repr) for label in labels
    }


def tomorrow() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


# Each form: how to reach it (returns url and valid data) and what attacks each field gets.


def register(client, front_desk, site):
    return "/staff/onboarding/patients/new/", {
        "legal_name": "Thomas Whitfield",
        "preferred_name": "Tom",
        "date_of_birth": "1957-11-02",
        "email": "tom@example.org",
        "phone": "+1 555 0199",
        "preferred_language": "en",
        "primary_physician": "",
        "site": site.pk,
        "registration_token": str(uuid.uuid4()),
    }


def schedule(client, front_desk, site):
    patient = PatientFactory(site=site)
    return f"/staff/onboarding/patients/{patient.pk}/schedule/", {
        "site": site.pk,
        "date": tomorrow(),
        "time": "10:00",
        "staff_member": front_desk.pk,
    }


def reschedule(client, front_desk, site):
    visit = OnboardingVisitFactory(staff_member=front_desk, site=site)
    return f"/staff/onboarding/visits/{visit.pk}/reschedule/", {
        "site": site.pk,
        "date": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "time": "11:00",
        "staff_member": front_desk.pk,
    }


def cancel(client, front_desk, site):
    visit = OnboardingVisitFactory(staff_member=front_desk)
    return f"/staff/onboarding/visits/{visit.pk}/cancel/", {"cancellation_reason": "Moved away"}


def identity(client, front_desk, site):
    visit = checked_in(OnboardingVisitFactory(staff_member=front_desk))
    return f"/staff/onboarding/visits/{visit.pk}/identity/", {
        "document_type": "passport",
        "matches": "on",
    }


def activation_code(client, front_desk, site):
    _, plain = ready_to_activate(date_of_birth=DOB)
    client.logout()
    return "/activate/", {"code": plain, "date_of_birth": DOB.isoformat()}


def activation_account(client, front_desk, site):
    _, plain = ready_to_activate(date_of_birth=DOB)
    client.logout()
    response = client.post("/activate/", {"code": plain, "date_of_birth": DOB.isoformat()})
    assert response["Location"] == "/activate/account/"
    return "/activate/account/", {
        "email": "tom@example.org",
        "password1": PASSPHRASE,
        "password2": PASSPHRASE,
    }


CASES = [
    (register, "legal_name", TEXT_ATTACKS),
    (register, "preferred_name", TEXT_ATTACKS),
    (register, "date_of_birth", [*DATE_ATTACKS, "2999-01-01", "1850-01-01"]),
    (register, "email", [*TEXT_ATTACKS, "tom@example.org" + SCRIPT]),
    (register, "phone", TEXT_ATTACKS),
    (register, "preferred_language", CHOICE_ATTACKS),
    (register, "primary_physician", CHOICE_ATTACKS),
    (register, "site", CHOICE_ATTACKS),
    (schedule, "site", CHOICE_ATTACKS),
    (schedule, "date", [*DATE_ATTACKS, "2000-01-01"]),
    (schedule, "time", ["25:00", "10:07", *CHOICE_ATTACKS]),
    (schedule, "staff_member", CHOICE_ATTACKS),
    (reschedule, "site", CHOICE_ATTACKS),
    (reschedule, "date", DATE_ATTACKS),
    (reschedule, "time", ["25:00", *CHOICE_ATTACKS]),
    (reschedule, "staff_member", CHOICE_ATTACKS),
    (cancel, "cancellation_reason", [*TEXT_ATTACKS, "", "   "]),
    (identity, "document_type", ["passport_number", *CHOICE_ATTACKS]),
    (activation_code, "code", [*TEXT_ATTACKS, "0000-OOOO-1111"]),
    (activation_code, "date_of_birth", [*DATE_ATTACKS, "2999-01-01"]),
    (activation_account, "email", [*TEXT_ATTACKS, "tom@example.org" + SCRIPT]),
    (activation_account, "password1", [LONG, "short"]),
    (activation_account, "password2", [LONG, SCRIPT]),
]

PARAMS = [
    pytest.param(setup, field, value, id=f"{setup.__name__}-{field}-{i}")
    for setup, field, values in CASES
    for i, value in enumerate(values)
]


@pytest.mark.parametrize(("setup", "field", "value"), PARAMS)
def test_hostile_input_gives_a_form_error_and_changes_nothing(
    client, front_desk, site, setup, field, value
):
    client.force_login(front_desk)
    url, data = setup(client, front_desk, site)
    before = snapshot()
    response = client.post(url, {**data, field: value})
    assert response.status_code == 200, response.get("Location")
    page = response.content.decode()
    assert "Please correct the following" in page
    assert SCRIPT not in page and ATTRIBUTE not in page
    assert snapshot() == before


def test_every_field_of_every_form_is_attacked():
    """Guard: a field added to one of these forms must be added to CASES too."""
    from patients import forms

    covered = {(setup.__name__, field) for setup, field, _ in CASES}
    expected = {
        ("register", name)
        for name in forms.PatientForm().fields
        if name not in {"confirm_not_duplicate"}
    }
    expected |= {("schedule", name) for name in forms.SlotForm().fields}
    expected |= {("reschedule", name) for name in forms.SlotForm().fields}
    expected |= {("cancel", name) for name in forms.CancelVisitForm().fields}
    expected |= {("identity", "document_type")}
    expected |= {("activation_code", name) for name in forms.ActivationCodeForm().fields}
    expected |= {
        ("activation_account", name)
        for name in forms.ActivationAccountForm(patient=PatientFactory.build()).fields
    }
    assert expected <= covered


@pytest.mark.parametrize("value", [*DATE_ATTACKS, "2999-01-01", "0001-01-01", "9999-12-31"])
def test_the_day_view_filter_reports_bad_dates(client, front_desk, value):
    client.force_login(front_desk)
    response = client.get("/staff/onboarding/", {"date": value, "site": SCRIPT})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the following" in page
    assert SCRIPT not in page


@pytest.mark.parametrize("value", [SCRIPT, ATTRIBUTE, LONG, "%' OR 1=1 --"])
def test_patient_search_is_harmless(client, front_desk, value):
    PatientFactory(legal_name="Thomas Whitfield")
    client.force_login(front_desk)
    response = client.get("/staff/onboarding/patients/", {"q": value})
    assert response.status_code == 200
    page = response.content.decode()
    assert SCRIPT not in page and ATTRIBUTE not in page
    assert "Thomas Whitfield" not in page
