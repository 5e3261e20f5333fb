"""The access log moves here from `consent` (same tables, renamed in 0002)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from clinic import contenttypes as content_types


MODELS = ['accessevent', 'accesschainhead', 'accesslogcheckpoint']


def move_content_types(apps, schema_editor):
    """Keep each model's content type (and so the permissions granted on it) as it moves."""
    content_types.move_content_types(apps, "consent", "accesslog", MODELS)


def move_content_types_back(apps, schema_editor):
    content_types.move_content_types(apps, "accesslog", "consent", MODELS)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('clinic', '0002_roles'),
        ('consent', '0004_lighter_access_log'),
        ('patients', '0005_onboarding_email_republished_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already; only Django's idea of which app owns them moves.
            state_operations=[
                migrations.CreateModel(
                    name='AccessChainHead',
                    fields=[
                        ('patient', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='access_chain_head', serialize=False, to='patients.patient')),
                        ('sequence', models.PositiveBigIntegerField(default=0)),
                        ('hash', models.CharField(max_length=64)),
                    ],
                    options={
                        'db_table': 'consent_accesschainhead',
                    },
                ),
                migrations.CreateModel(
                    name='AccessLogCheckpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField()),
                        ('heads', models.JSONField(help_text='{"<patient id>": [sequence, hash], ...}')),
                        ('public_key', models.CharField(help_text='Base64 Ed25519 public key.', max_length=64)),
                        ('signature', models.CharField(help_text='Base64 Ed25519 signature.', max_length=128)),
                    ],
                    options={
                        'db_table': 'consent_accesslogcheckpoint',
                        'ordering': ['-created_at', '-id'],
                        'get_latest_by': 'created_at',
                    },
                ),
                migrations.CreateModel(
                    name='AccessEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sequence', models.PositiveBigIntegerField()),
                        ('occurred_at', models.DateTimeField()),
                        ('actor_role', models.CharField(max_length=20)),
                        ('actor_name', models.CharField(max_length=150)),
                        ('action', models.CharField(choices=[('view', 'Viewed'), ('download', 'Downloaded'), ('export', 'Exported')], max_length=10)),
                        ('target', models.CharField(choices=[('record', 'Record overview'), ('category', 'One category'), ('entry', 'Entry'), ('document', 'Document'), ('export', 'Full record export')], max_length=10)),
                        ('category', models.CharField(blank=True, choices=[('visit_note', 'Visit note'), ('lab_result', 'Lab result'), ('medication', 'Medication'), ('allergy', 'Allergy'), ('immunization', 'Immunization'), ('document', 'Document')], max_length=20)),
                        ('purpose', models.CharField(max_length=200)),
                        ('basis', models.CharField(choices=[('self', 'Your own access'), ('grant', 'Your consent'), ('emergency', 'Emergency access')], max_length=10)),
                        ('prev_hash', models.CharField(max_length=64)),
                        ('hash', models.CharField(max_length=64)),
                        ('actor', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='access_events', to=settings.AUTH_USER_MODEL)),
                        ('emergency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='access_events', to='consent.emergencyaccess')),
                        ('entry', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='access_events', to='patients.recordentry')),
                        ('grant', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='access_events', to='consent.consentgrant')),
                        ('patient', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='access_events', to='patients.patient')),
                    ],
                    options={
                        'db_table': 'consent_accessevent',
                        'ordering': ['patient', 'sequence'],
                        'indexes': [models.Index(fields=['patient', '-occurred_at'], name='consent_acc_patient_737d43_idx'), models.Index(fields=['patient', 'actor', '-occurred_at'], name='consent_acc_patient_6a9c53_idx')],
                        'constraints': [models.UniqueConstraint(fields=('patient', 'sequence'), name='one_event_per_sequence')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
