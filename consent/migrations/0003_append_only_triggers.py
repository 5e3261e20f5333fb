"""On PostgreSQL, refuse UPDATE and DELETE on the access log and its checkpoints in the database
itself, so not even code that bypasses the ORM (or a person with SQL access but without the
table owner's rights to drop the trigger) can rewrite history quietly. TRUNCATE stays possible
for the table owner only (test databases are flushed with it); signed checkpoints catch that."""

from django.db import migrations

TABLES = ["consent_accessevent", "consent_accesslogcheckpoint"]

FUNCTION = """
CREATE OR REPLACE FUNCTION rapport_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the table % is append-only', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION rapport_refuse_change();"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS rapport_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [("consent", "0002_admin_permissions")]

    operations = [migrations.RunPython(forwards, backwards)]
