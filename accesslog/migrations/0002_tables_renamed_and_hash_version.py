"""The access log's tables take this app's name, and every event records its hash version (all
existing events were written under version 1)."""

from django.db import migrations, models

APPEND_ONLY = ["accessevent", "accesslogcheckpoint"]


def _rename_triggers(schema_editor, old: str, new: str) -> None:
    """The append-only triggers (consent 0003) follow their tables; give them the tables' names."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in APPEND_ONLY:
        schema_editor.execute(
            f"ALTER TRIGGER {old}_{table}_append_only ON accesslog_{table} "
            f"RENAME TO {new}_{table}_append_only"
        )


def rename_triggers(apps, schema_editor):
    _rename_triggers(schema_editor, "consent", "accesslog")


def rename_triggers_back(apps, schema_editor):
    _rename_triggers(schema_editor, "accesslog", "consent")


class Migration(migrations.Migration):
    dependencies = [
        ("accesslog", "0001_initial"),
        ("consent", "0005_access_log_and_outbox_moved_out"),
    ]

    operations = [
        migrations.AlterModelTable(name="accesschainhead", table=None),
        migrations.AlterModelTable(name="accessevent", table=None),
        migrations.AlterModelTable(name="accesslogcheckpoint", table=None),
        migrations.RunPython(rename_triggers, rename_triggers_back),
        migrations.RenameIndex(
            model_name="accessevent",
            new_name="accesslog_a_patient_46b929_idx",
            old_name="consent_acc_patient_737d43_idx",
        ),
        migrations.RenameIndex(
            model_name="accessevent",
            new_name="accesslog_a_patient_547473_idx",
            old_name="consent_acc_patient_6a9c53_idx",
        ),
        migrations.AddField(
            model_name="accessevent",
            name="hash_version",
            field=models.PositiveSmallIntegerField(
                default=1,
                help_text="Which fields the hash covers (accesslog.chain.CANONICAL_FIELDS).",
            ),
        ),
    ]
