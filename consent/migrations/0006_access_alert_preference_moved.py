"""Patients' access alert choices now live in `notifications.EmailPreference` (copied there by
notifications 0002)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0005_access_log_and_outbox_moved_out"),
        ("notifications", "0002_one_outbox"),
    ]

    operations = [migrations.DeleteModel(name="AccessAlertPreference")]
