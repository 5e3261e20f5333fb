"""The access event a concern is about now lives in `accesslog` (same table)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accesslog', '0001_initial'),
        ('feedback', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist already; only Django's idea of which app owns them moves.
            state_operations=[
                migrations.AlterField(
                    model_name='grievance',
                    name='access_event',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='grievances', to='accesslog.accessevent'),
                ),
            ],
        ),
    ]
