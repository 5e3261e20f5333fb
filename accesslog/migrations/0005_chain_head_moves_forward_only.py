"""On PostgreSQL, a chain head may only move forward, onto events that are there.

Two triggers on accesslog_accesschainhead:
- `accesslog_head_forward_only` (before each row, at once): no DELETE, no change of patient, no
  step back, no new hash at the same sequence.
- `accesslog_head_matches_events` (a constraint trigger, checked at commit, when the event written
  in the same statement is visible): the event at the head's sequence exists and carries the
  head's hash, and the first event after the old head links to the old head's hash.
The application's role cannot drop or disable them: it owns no table (manage.py grant_app_role).
"""

from django.db import migrations

HEAD = "accesslog_accesschainhead"
EVENT = "accesslog_accessevent"
GENESIS = "0" * 64

FORWARD_ONLY = f"""
CREATE OR REPLACE FUNCTION rapport_head_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the chain head of patient % cannot be deleted', OLD.patient_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.patient_id <> OLD.patient_id
       OR NEW.sequence < OLD.sequence
       OR (NEW.sequence = OLD.sequence AND NEW.hash <> OLD.hash) THEN
        RAISE EXCEPTION 'the chain head of patient % may only move forward (% -> %)',
            OLD.patient_id, OLD.sequence, NEW.sequence
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION rapport_head_matches_events() RETURNS trigger AS $$
DECLARE
    old_sequence bigint := 0;
    old_hash varchar := '{GENESIS}';
BEGIN
    IF TG_OP = 'UPDATE' THEN
        old_sequence := OLD.sequence;
        old_hash := OLD.hash;
    END IF;
    IF NEW.sequence = old_sequence THEN
        IF NEW.sequence = 0 AND NEW.hash <> '{GENESIS}' THEN
            RAISE EXCEPTION 'a new chain head of patient % must start empty', NEW.patient_id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM {EVENT}
        WHERE patient_id = NEW.patient_id AND sequence = NEW.sequence AND hash = NEW.hash
    ) OR NOT EXISTS (
        SELECT 1 FROM {EVENT}
        WHERE patient_id = NEW.patient_id AND sequence = old_sequence + 1
          AND prev_hash = old_hash
    ) THEN
        RAISE EXCEPTION 'the chain head of patient % does not match its events at %',
            NEW.patient_id, NEW.sequence
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER accesslog_head_forward_only BEFORE UPDATE OR DELETE ON {HEAD}
    FOR EACH ROW EXECUTE FUNCTION rapport_head_forward_only();
CREATE CONSTRAINT TRIGGER accesslog_head_matches_events AFTER INSERT OR UPDATE ON {HEAD}
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION rapport_head_matches_events();
"""

DROP = f"""
DROP TRIGGER IF EXISTS accesslog_head_matches_events ON {HEAD};
DROP TRIGGER IF EXISTS accesslog_head_forward_only ON {HEAD};
DROP FUNCTION IF EXISTS rapport_head_matches_events();
DROP FUNCTION IF EXISTS rapport_head_forward_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD_ONLY, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("accesslog", "0004_backfill_access_readers")]

    operations = [migrations.RunPython(forwards, backwards)]
