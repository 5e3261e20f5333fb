"""Concerns raised, written to or withdrawn by someone acting for the patient name them: the
proxy access they acted under."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0005_ship_sus_and_trust_pulse'),
        ('proxies', '0001_proxy_access'),
    ]

    operations = [
        migrations.AddField(
            model_name='grievance',
            name='raised_under',
            field=models.ForeignKey(blank=True, help_text='Raised in the portal by someone acting for the patient, under this access.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='proxies.proxyaccess'),
        ),
        migrations.AddField(
            model_name='grievanceentry',
            name='proxy_access',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='proxies.proxyaccess'),
        ),
    ]
