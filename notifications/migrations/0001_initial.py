"""The notification outbox moves here from `consent` (same table, renamed in 0002)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from clinic import contenttypes as content_types


MODELS = ['notification']


def move_content_types(apps, schema_editor):
    """Keep each model's content type (and so the permissions granted on it) as it moves."""
    content_types.move_content_types(apps, "consent", "notifications", MODELS)


def move_content_types_back(apps, schema_editor):
    content_types.move_content_types(apps, "notifications", "consent", MODELS)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('clinic', '0002_roles'),
        ('consent', '0004_lighter_access_log'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already; only Django's idea of which app owns them moves.
            state_operations=[
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('record_access', 'Someone read your record'), ('emergency_access', 'Emergency access to your record'), ('emergency_reviewed', 'Emergency access reviewed'), ('emergency_to_review', 'Emergency access to review'), ('access_request', 'Request to see your record'), ('request_decided', 'Answer to your access request'), ('general', 'Message')], max_length=30)),
                        ('message', models.CharField(max_length=300)),
                        ('link', models.CharField(help_text='A path on this site, e.g. /portal/sharing/', max_length=200)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('read_at', models.DateTimeField(blank=True, null=True)),
                        ('email_due_at', models.DateTimeField(blank=True, help_text='When the email should go out; empty: portal only.', null=True)),
                        ('email_sent_at', models.DateTimeField(blank=True, null=True)),
                        ('delivery', models.CharField(choices=[('immediate', 'Each time, as it happens'), ('digest', 'Once a day, in a summary')], default='immediate', max_length=10)),
                        ('delivery_attempts', models.PositiveIntegerField(default=0)),
                        ('republished_at', models.DateTimeField(blank=True, help_text='When the sweep last published its delivery again.', null=True)),
                        ('event_count', models.PositiveIntegerField(default=1)),
                        ('first_event_at', models.DateTimeField(blank=True, null=True)),
                        ('last_event_at', models.DateTimeField(blank=True, null=True)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'consent_notification',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(fields=['recipient', '-created_at'], name='consent_not_recipie_a87f0e_idx'), models.Index(fields=['recipient', 'kind', 'actor', '-last_event_at'], name='consent_not_recipie_17fe01_idx'), models.Index(condition=models.Q(('email_due_at__isnull', False), ('email_sent_at__isnull', True)), fields=['email_due_at'], name='notification_undelivered_idx')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
