"""Nobody becomes the patient: an administrator can neither see nor set a patient's password or
sign-in address, only send a reset link to the patient's own address; password and address
changes are emailed to the patient; admin actions on patients are listed for privacy officers;
and a clinic can make two-step verification mandatory for patients."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from clinic.models import Role, User
from tests.factories import DEFAULT_PASSWORD, StaffFactory, add_totp


@pytest.fixture
def admin_client(client, clinic_admin):
    client.force_login(clinic_admin)
    return client


def test_admin_cannot_see_or_set_a_patients_password(admin_client, patient_user):
    page = admin_client.get(f"/admin/clinic/user/{patient_user.pk}/change/").content.decode()
    assert "password" not in page.lower().split("<form", 1)[1].split("</form>", 1)[0].replace(
        "send a password reset link", ""
    )
    response = admin_client.get(f"/admin/clinic/user/{patient_user.pk}/password/")
    assert response.status_code == 403
    before = User.objects.get(pk=patient_user.pk).password
    response = admin_client.post(
        f"/admin/clinic/user/{patient_user.pk}/password/",
        {"password1": "an admin chose this 2026", "password2": "an admin chose this 2026"},
    )
    assert response.status_code == 403
    assert User.objects.get(pk=patient_user.pk).password == before


def test_admin_cannot_change_a_patients_sign_in_address(admin_client, patient_user):
    response = admin_client.post(
        f"/admin/clinic/user/{patient_user.pk}/change/",
        {"email": "attacker@example.org", "is_active": "on"},
    )
    assert response.status_code in (200, 302)
    assert User.objects.get(pk=patient_user.pk).email == "maria@example.org"


def test_admin_still_sets_staff_passwords(admin_client, front_desk):
    response = admin_client.get(f"/admin/clinic/user/{front_desk.pk}/password/")
    assert response.status_code == 200


def test_admin_can_send_a_reset_link_to_the_patients_own_address(
    admin_client, patient_user, privacy_officer, client
):
    mail.outbox.clear()
    response = admin_client.post(
        "/admin/clinic/user/",
        {"action": "send_password_reset_link", "_selected_action": [patient_user.pk]},
    )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["maria@example.org"]]
    client.force_login(privacy_officer)
    audit = client.get("/staff/privacy/admin-audit/").content.decode()
    assert "Sent a password reset link" in audit
    assert "Alex Morgan" in audit  # who did it


def test_privacy_officers_read_what_admins_did_to_patients(
    admin_client, patient, patient_user, privacy_officer, client, front_desk
):
    admin_client.post(
        f"/admin/clinic/user/{patient_user.pk}/change/",
        {"first_name": "", "last_name": "", "is_active": ""},  # switch the account off
    )
    admin_client.post(
        f"/admin/clinic/user/{front_desk.pk}/change/",
        {"email": front_desk.email, "is_active": "on", "groups": []},
    )
    client.force_login(privacy_officer)
    audit = client.get("/staff/privacy/admin-audit/").content.decode()
    assert "maria@example.org" in audit or patient.display_name in audit
    assert front_desk.email not in audit  # staff accounts are not patients' business here


@pytest.mark.parametrize("role", [Role.PHYSICIAN, Role.FRONT_DESK, Role.ADMIN])
def test_only_privacy_officers_read_the_admin_audit(client, db, role):
    client.force_login(StaffFactory(role=role))
    assert client.get("/staff/privacy/admin-audit/").status_code == 403


def test_a_patient_is_emailed_when_their_password_changes(client, patient_user):
    client.force_login(patient_user)
    mail.outbox.clear()
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": DEFAULT_PASSWORD,
            "password1": "a brand new passphrase for 2027",
            "password2": "a brand new passphrase for 2027",
        },
    )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["maria@example.org"]]
    assert "password" in mail.outbox[0].subject.lower()


def test_a_clinic_can_make_two_step_verification_mandatory_for_patients(
    client, patient_user, settings
):
    client.force_login(patient_user)
    assert client.get("/portal/").status_code == 200
    settings.PATIENT_MFA_REQUIRED = True
    response = client.get("/portal/records/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate")
    add_totp(patient_user)
    assert Authenticator.objects.filter(user=patient_user).exists()
    assert client.get("/portal/").status_code == 200
