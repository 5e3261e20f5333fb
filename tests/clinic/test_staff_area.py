"""The staff area: only staff, only with two-step verification, never patients."""

from __future__ import annotations

import pytest

from clinic.models import Role
from tests.factories import StaffFactory
from tests.support.urls import all_routes


def staff_urls() -> list[str]:
    """Every URL under /staff/, with 1 for each path parameter."""
    urls = [route.url() for route in all_routes() if route.route.startswith("staff/")]
    assert "/staff/" in urls
    return urls


STAFF_URLS = staff_urls()


@pytest.mark.parametrize("url", STAFF_URLS)
def test_anonymous_is_sent_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", STAFF_URLS)
def test_patient_gets_403(client, patient_user, url):
    client.force_login(patient_user)
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403


@pytest.mark.parametrize(
    "role", [Role.FRONT_DESK, Role.PHYSICIAN, Role.PRIVACY_OFFICER, Role.ADMIN]
)
@pytest.mark.parametrize("url", STAFF_URLS)
def test_staff_without_two_step_is_sent_to_set_it_up(client, db, role, url):
    staff = StaffFactory(role=role, mfa=False)
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    page = client.get(response["Location"], follow=True).content.decode()
    assert "Staff accounts must use two-step verification" in page


def test_staff_without_two_step_cannot_open_admin(client, db):
    staff = StaffFactory(role=Role.ADMIN, mfa=False)
    client.force_login(staff)
    response = client.get("/admin/")
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_staff_home_shows_role_specific_next_steps(client, front_desk, physician, privacy_officer):
    client.force_login(front_desk)
    page = client.get("/staff/").content.decode()
    assert "Front desk" in page
    assert "Clinical content is never shown to the front desk" in page
    client.force_login(physician)
    page = client.get("/staff/").content.decode()
    assert "Every look is shown to the patient" in page
    client.force_login(privacy_officer)
    page = client.get("/staff/").content.decode()
    assert "never the clinical content itself" in page


def test_only_the_admin_role_opens_django_admin(client, clinic_admin, physician):
    client.force_login(physician)
    assert client.get("/admin/").status_code == 403
    client.force_login(clinic_admin)
    assert client.get("/admin/").status_code == 200


def test_anonymous_admin_is_sent_to_the_rate_limited_sign_in(client, db):
    response = client.get("/admin/login/")
    assert response["Location"].startswith("/accounts/login/")


def test_patient_cannot_open_admin(client, patient_user):
    client.force_login(patient_user)
    assert client.get("/admin/").status_code == 403


def test_staff_cannot_open_the_patient_portal(client, physician):
    client.force_login(physician)
    assert client.get("/portal/").status_code == 403


def test_home_sends_each_role_to_its_home(client, patient_user, physician):
    client.force_login(patient_user)
    assert client.get("/")["Location"] == "/portal/"
    client.force_login(physician)
    assert client.get("/")["Location"] == "/staff/"


def test_signed_in_pages_are_not_cached(client, patient_user):
    client.force_login(patient_user)
    assert "no-store" in client.get("/portal/")["Cache-Control"]
