"""Give the front desk (and, read-only, the admin role) the onboarding models' permissions."""

from django.db import migrations

from clinic.roles import grant_role_permissions, revoke_role_permissions

GRANTS = {
    "front_desk": [
        "patients.add_onboardingvisit",
        "patients.change_onboardingvisit",
        "patients.view_onboardingvisit",
        "patients.add_onboardingchecklistentry",
        "patients.change_onboardingchecklistentry",
        "patients.view_onboardingchecklistentry",
        "patients.add_activationcode",
        "patients.view_activationcode",
    ],
    "admin": [
        "patients.view_onboardingvisit",
        "patients.view_onboardingchecklistentry",
        "patients.view_activationcode",
    ],
}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0002_onboarding"),
        ("clinic", "0002_roles"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
