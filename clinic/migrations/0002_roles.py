"""Create the role groups and give each its model permissions."""

from django.db import migrations

from clinic.roles import grant_role_permissions

GRANTS = {
    "patient": [],
    "front_desk": [
        "clinic.use_staff_area",
        "patients.add_patient",
        "patients.change_patient",
        "patients.view_patient",
    ],
    "physician": ["clinic.use_staff_area"],
    "privacy_officer": ["clinic.use_staff_area"],
    "admin": [
        "clinic.use_staff_area",
        "clinic.add_site",
        "clinic.change_site",
        "clinic.view_site",
        "clinic.add_staffprofile",
        "clinic.change_staffprofile",
        "clinic.view_staffprofile",
        "clinic.add_user",
        "clinic.change_user",
        "clinic.view_user",
        "auth.view_group",
        "patients.view_patient",
    ],
}


def forwards(apps, schema_editor):
    grant_role_permissions(apps, GRANTS)


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GRANTS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0001_initial"),
        ("patients", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
