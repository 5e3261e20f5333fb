"""Witnesses: what each witness answered about a checkpoint (a verified co-signature or a
refusal). On PostgreSQL the table refuses UPDATE and DELETE like the checkpoints (the function comes
from consent 0003); the application's role gets SELECT and INSERT only (grant_app_role)."""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "accesslog_witnessreply"


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION rapport_refuse_change();"
    )


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};")


class Migration(migrations.Migration):

    dependencies = [
        ('accesslog', '0006_checkpoints_form_a_transparency_log'),
    ]

    operations = [
        migrations.CreateModel(
            name='WitnessReply',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('witness', models.CharField(help_text="The witness's key name.", max_length=200)),
                ('outcome', models.CharField(choices=[('cosigned', 'Co-signed'), ('refused', 'Refused'), ('invalid', 'Co-signature did not verify')], max_length=10)),
                ('cosigned_at', models.DateTimeField(blank=True, help_text='The time in the co-signature (co-signed only).', null=True)),
                ('signature', models.TextField(blank=True, help_text='The verified note signature line (co-signed only).')),
                ('detail', models.CharField(blank=True, max_length=300)),
                ('received_at', models.DateTimeField()),
                ('checkpoint', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='witness_replies', to='accesslog.accesslogcheckpoint', to_field='number')),
            ],
            options={
                'ordering': ['checkpoint_id', 'witness'],
                'constraints': [models.UniqueConstraint(fields=('checkpoint', 'witness'), name='one_reply_per_witness_and_checkpoint')],
            },
        ),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
