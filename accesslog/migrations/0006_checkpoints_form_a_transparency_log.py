"""Checkpoints become a transparency log: signed C2SP checkpoints over a Merkle tree of verified
chain heads (leaves), chained to each other, and alarms for chains that failed verification.

The old hourly checkpoints signed whatever heads they found, unverified, in a format nothing
outside reads; they are dropped with their table. The first new checkpoint verifies every chain
from its first event before it signs it. On PostgreSQL the new checkpoint and leaf tables refuse
UPDATE and DELETE like the events (the function comes from consent 0003)."""

import django.db.models.deletion
from django.db import migrations, models

APPEND_ONLY = ["accesslog_accesslogcheckpoint", "accesslog_checkpointleaf"]


def add_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in APPEND_ONLY:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION rapport_refuse_change();"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in APPEND_ONLY:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")


def restore_old_trigger(apps, schema_editor):
    """Backwards: the old checkpoint table comes back; give it back its trigger (0002 renames it)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    table = "accesslog_accesslogcheckpoint"
    schema_editor.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION rapport_refuse_change();"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accesslog", "0005_chain_head_moves_forward_only"),
        ("patients", "0008_portal_steps"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_old_trigger),
        migrations.DeleteModel(name="AccessLogCheckpoint"),
        migrations.CreateModel(
            name="AccessLogCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveBigIntegerField(unique=True)),
                ("created_at", models.DateTimeField()),
                ("tree_size", models.PositiveBigIntegerField()),
                ("root_hash", models.CharField(help_text="Hex SHA-256 Merkle tree head.", max_length=64)),
                ("previous_hash", models.CharField(help_text="Hex SHA-256 of the previous checkpoint's body (zeros: first).", max_length=64)),
                ("key_id", models.CharField(help_text="Hex C2SP key id of the signing key.", max_length=8)),
                ("public_key", models.CharField(help_text="Base64 Ed25519 public key.", max_length=64)),
                ("note", models.TextField(help_text="The C2SP signed note, exactly as signed and published.")),
            ],
            options={"ordering": ["-number"], "get_latest_by": "number"},
        ),
        migrations.CreateModel(
            name="CheckpointLeaf",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("index", models.PositiveBigIntegerField(unique=True)),
                ("pseudonym", models.CharField(help_text="Keyed hash naming the patient in public (never the MRN).", max_length=64)),
                ("sequence", models.PositiveBigIntegerField()),
                ("head_hash", models.CharField(max_length=64)),
                ("leaf_hash", models.CharField(max_length=64)),
                ("checkpoint", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="leaves", to="accesslog.accesslogcheckpoint", to_field="number")),
                ("patient", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="checkpoint_leaves", to="patients.patient")),
            ],
            options={
                "ordering": ["index"],
                "indexes": [models.Index(fields=["patient", "-index"], name="accesslog_c_patient_b771e5_idx")],
            },
        ),
        migrations.CreateModel(
            name="AccessLogAlarm",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("detected_at", models.DateTimeField()),
                ("sequence", models.PositiveBigIntegerField(help_text="The first link that failed.")),
                ("reason", models.CharField(max_length=300)),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
                ("resolution", models.TextField(blank=True)),
                ("patient", models.ForeignKey(blank=True, help_text="Empty: the alarm is about the checkpoints, so every patient's log.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name="access_log_alarms", to="patients.patient")),
            ],
            options={"ordering": ["-detected_at"]},
        ),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
