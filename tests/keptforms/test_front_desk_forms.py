"""The front desk's registration and first-visit forms keep what was typed when the session ends
(issue 15; keptforms/)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from keptforms.models import KeptForm
from patients.models import OnboardingVisit, Patient
from tests.factories import DEFAULT_PASSWORD, PatientFactory, StaffFactory, add_totp, frozen_time
from tests.keptforms.support import (
    ASKED_TO_SIGN_IN,
    KEPT,
    browser_on,
    csrf,
    current_code,
    end_session_on_server,
    go_idle,
)

NEW = "/staff/onboarding/patients/new/"


def typed_registration(site, **overrides) -> dict:
    data = {
        "legal_name": "Grace O'Neil-Okafor",
        "preferred_name": "Gracie",
        "date_of_birth": "1990-05-17",
        "email": "grace@example.org",
        "phone": "+44 20 7946 0000",
        "preferred_language": "en",
        "primary_physician": "",
        "site": site.pk,
        "registration_token": "7d1f1c1e-0a5b-4a43-9d57-8b1d8c3d1f00",
        "confirm_not_duplicate": "on",
    }
    data.update(overrides)
    return data


def test_registration_typed_before_the_idle_sign_out_is_there_after_signing_in(front_desk, site):
    client = browser_on(front_desk, NEW)
    go_idle(client)
    response = client.post(NEW, {**csrf(client), **typed_registration(site)})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={NEW}"
    login_page = client.get(response["Location"]).content.decode()
    assert ASKED_TO_SIGN_IN in login_page
    assert "You were signed out for your safety" in login_page
    assert not Patient.objects.exists()

    client.force_login(front_desk)
    page = client.get(NEW).content.decode()
    assert KEPT in page
    assert 'value="Grace O&#x27;Neil-Okafor"' in page
    assert 'value="Gracie"' in page
    assert 'value="grace@example.org"' in page
    assert 'value="+44 20 7946 0000"' in page
    assert not Patient.objects.exists(), "nothing is registered on their behalf"
    # Not kept: the form's one-time token, and the "not a duplicate" confirmation.
    assert "7d1f1c1e-0a5b-4a43-9d57-8b1d8c3d1f00" not in page
    assert not KeptForm.objects.exists(), "given back once"
    assert "Gracie" not in client.get(NEW).content.decode()


def test_registration_posted_after_the_session_ended_on_the_server_is_kept(front_desk, site):
    client = browser_on(front_desk, NEW)
    end_session_on_server()
    response = client.post(NEW, {**csrf(client), **typed_registration(site)})
    assert response["Location"] == f"/accounts/login/?next={NEW}"
    client.force_login(front_desk)
    page = client.get(NEW).content.decode()
    assert KEPT in page and 'value="Gracie"' in page
    assert not Patient.objects.exists()


def test_another_front_desk_member_signing_in_gets_nothing(front_desk, site):
    client = browser_on(front_desk, NEW)
    go_idle(client)
    client.post(NEW, {**csrf(client), **typed_registration(site)})
    colleague = StaffFactory(role=front_desk.role, site=site)
    client.force_login(colleague)
    page = client.get(NEW).content.decode()
    assert "Gracie" not in page and KEPT not in page
    assert not KeptForm.objects.exists(), "the kept form is dropped"
    client.force_login(front_desk)
    assert "Gracie" not in client.get(NEW).content.decode()


def test_a_registration_kept_for_more_than_an_hour_is_gone(front_desk, site):
    client = browser_on(front_desk, NEW)
    go_idle(client)
    client.post(NEW, {**csrf(client), **typed_registration(site)})
    client.force_login(front_desk)
    with frozen_time(timezone.now() + dt.timedelta(minutes=61)):
        page = client.get(NEW).content.decode()
    assert "Gracie" not in page and KEPT not in page


def test_first_visit_booking_typed_before_the_sign_out_comes_back(front_desk, site):
    patient = PatientFactory(site=site)
    page_url = f"/staff/onboarding/patients/{patient.pk}/schedule/"
    client = browser_on(front_desk, page_url)
    go_idle(client)
    day = (timezone.localdate() + dt.timedelta(days=9)).isoformat()
    response = client.post(
        page_url,
        {
            **csrf(client),
            "site": site.pk,
            "staff_member": front_desk.pk,
            "date": day,
            "time": "10:30",
        },
    )
    assert response["Location"] == f"/accounts/login/?next={page_url}"
    client.force_login(front_desk)
    page = client.get(page_url).content.decode()
    assert KEPT in page
    assert f'value="{day}"' in page
    assert not OnboardingVisit.objects.exists(), "nothing is booked on their behalf"


def test_hostile_registration_text_comes_back_escaped(front_desk, site):
    client = browser_on(front_desk, NEW)
    go_idle(client)
    hostile = '"><script>alert(1)</script>'
    client.post(
        NEW,
        {**csrf(client), **typed_registration(site, preferred_name=hostile), "site": "not-a-site"},
    )
    client.force_login(front_desk)
    response = client.get(NEW)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_signing_in_again_with_the_two_step_code_brings_the_registration_back(db, site):
    """The whole way a front desk member signs in: password, then the authenticator's code."""
    desk_member = StaffFactory(role="front_desk", site=site, mfa=False)
    secret = add_totp(desk_member)
    client = browser_on(desk_member, NEW)
    go_idle(client)
    response = client.post(NEW, {**csrf(client), **typed_registration(site)})
    assert response["Location"] == f"/accounts/login/?next={NEW}"
    client.get(response["Location"])
    response = client.post(
        response["Location"],
        {**csrf(client), "login": desk_member.email, "password": DEFAULT_PASSWORD, "next": NEW},
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = client.post(response["Location"], {**csrf(client), "code": current_code(secret)})
    assert response.status_code == 302 and response["Location"] == NEW
    page = client.get(NEW).content.decode()
    assert KEPT in page and 'value="Gracie"' in page
    assert not Patient.objects.exists()
