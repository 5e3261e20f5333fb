"""Hash version 2: an access event names the proxy access a carer, parent or attorney read under,
and how the log names them ("as your carer"). Adding columns rewrites no row, so the
append-only triggers are untouched and version 1 events keep verifying."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accesslog", "0006_checkpoints_form_a_transparency_log"),
        ("proxies", "0001_proxy_access"),
    ]

    operations = [
        migrations.AddField(
            model_name="accessevent",
            name="actor_relationship",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.AddField(
            model_name="accessevent",
            name="proxy_access",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="access_events",
                to="proxies.proxyaccess",
            ),
        ),
        migrations.AlterField(
            model_name="accessevent",
            name="basis",
            field=models.CharField(
                choices=[
                    ("self", "Your own access"),
                    ("grant", "Your consent"),
                    ("emergency", "Emergency access"),
                    ("proxy", "Acting for you"),
                ],
                max_length=10,
            ),
        ),
    ]
