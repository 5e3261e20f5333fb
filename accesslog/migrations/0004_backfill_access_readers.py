"""Fill the readers table from the events already written (new events keep it up to date)."""

from django.db import migrations


def backfill(apps, schema_editor):
    alias = schema_editor.connection.alias
    AccessEvent = apps.get_model("accesslog", "AccessEvent")
    AccessReader = apps.get_model("accesslog", "AccessReader")
    readers = (
        AccessEvent.objects.using(alias)
        .order_by()
        .values_list("patient_id", "actor_id", "actor_name")
        .distinct()
        .iterator(chunk_size=5000)
    )
    batch = []
    for patient_id, actor_id, actor_name in readers:
        batch.append(AccessReader(patient_id=patient_id, actor_id=actor_id, actor_name=actor_name))
        if len(batch) == 5000:
            AccessReader.objects.using(alias).bulk_create(batch, ignore_conflicts=True)
            batch = []
    AccessReader.objects.using(alias).bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("accesslog", "0003_access_readers_and_verification_marks")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
