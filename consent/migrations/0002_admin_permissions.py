from django.db import migrations

from clinic.roles import grant_role_permissions, revoke_role_permissions

GRANTS = {
    "admin": [
        "consent.view_consentgrant",
        "consent.view_emergencyaccess",
        "consent.view_accessevent",
        "consent.view_careteam",
        "consent.add_careteam",
        "consent.change_careteam",
    ],
}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    revoke_role_permissions(apps, GRANTS)


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial"), ("clinic", "0002_roles")]

    operations = [migrations.RunPython(forwards, backwards)]
