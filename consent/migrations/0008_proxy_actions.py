"""Sharing given, stopped or answered by someone acting for the patient (a carer, a parent, an
attorney): the proxy access it was done under, so the patient is told who did it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0007_in_person_visits_emergency_controls_outreach"),
        ("proxies", "0001_proxy_access"),
    ]

    operations = [
        migrations.AddField(
            model_name="accessrequest",
            name="decided_under",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="proxies.proxyaccess",
            ),
        ),
        migrations.AddField(
            model_name="consentgrant",
            name="recorded_under",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="proxies.proxyaccess",
            ),
        ),
        migrations.AddField(
            model_name="consentgrant",
            name="revoked_under",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="proxies.proxyaccess",
            ),
        ),
    ]
