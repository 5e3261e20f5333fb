"""The access log and the notification outbox left for apps of their own (their tables stay)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
        ('accesslog', '0001_initial'),
        ('consent', '0004_lighter_access_log'),
        ('feedback', '0002_access_event_in_accesslog'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already; only Django's idea of which app owns them moves.
            state_operations=[
                migrations.RemoveField(
                    model_name='accesschainhead',
                    name='patient',
                ),
                migrations.RemoveField(
                    model_name='accessevent',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='accessevent',
                    name='emergency',
                ),
                migrations.RemoveField(
                    model_name='accessevent',
                    name='entry',
                ),
                migrations.RemoveField(
                    model_name='accessevent',
                    name='grant',
                ),
                migrations.RemoveField(
                    model_name='accessevent',
                    name='patient',
                ),
                migrations.DeleteModel(
                    name='AccessLogCheckpoint',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='notification',
                    name='recipient',
                ),
                migrations.DeleteModel(
                    name='AccessChainHead',
                ),
                migrations.DeleteModel(
                    name='AccessEvent',
                ),
                migrations.DeleteModel(
                    name='Notification',
                ),
            ],
        ),
    ]
