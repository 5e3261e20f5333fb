"""The access-log page costs the same for a long history as for a short one: people from the
readers table, verification from the stored mark, keyset pages, a streamed CSV."""

from __future__ import annotations

import csv
import importlib
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accesslog import chain, checkpoints, tasks, verified, views
from accesslog.chain import GENESIS_HASH, compute_hash
from accesslog.models import AccessChainVerification, AccessEvent, AccessReader
from tests.support.access_log import log_reads, raw_sql

LOG = "/portal/access-log/"


def _page(client) -> str:
    return client.get(LOG).content.decode()


def _rewrite_from_start(patient_id: int) -> None:
    """An insider with write access: change a field and recompute every hash and the head."""
    prev = GENESIS_HASH
    for event in AccessEvent.objects.filter(patient_id=patient_id).order_by("sequence"):
        event.purpose = "nothing to see"
        event.prev_hash = prev
        event.hash = compute_hash(event)
        raw_sql(
            "UPDATE accesslog_accessevent SET purpose=%s, prev_hash=%s, hash=%s WHERE id=%s",
            [event.purpose, event.prev_hash, event.hash, event.pk],
        )
        prev = event.hash
    raw_sql("UPDATE accesslog_accesschainhead SET hash=%s WHERE patient_id=%s", [prev, patient_id])


# --- who looked ---------------------------------------------------------------------------------


def test_each_reader_is_noted_once_and_offered_in_the_person_filter(
    client, patient, patient_user, physician, other_physician, other_patient
):
    log_reads(patient, physician, 3)
    log_reads(patient, other_physician, 1)
    log_reads(other_patient, physician, 1)
    assert sorted(
        AccessReader.objects.filter(patient=patient).values_list("actor_name", flat=True)
    ) == ["Dr A. Rivera", "Dr M. Chen"]
    client.force_login(patient_user)
    select = _page(client).split('name="person"')[1].split("</select>")[0]
    assert select.count("Dr A. Rivera") == 1 and select.count("Dr M. Chen") == 1


def test_another_patients_readers_are_not_offered(
    client, patient, other_patient_user, other_patient, physician, other_physician
):
    log_reads(patient, other_physician, 1)
    log_reads(other_patient, physician, 1)
    client.force_login(other_patient_user)
    select = _page(client).split('name="person"')[1].split("</select>")[0]
    assert "Dr A. Rivera" in select and "Dr M. Chen" not in select


def test_a_reader_is_noted_in_the_events_own_transaction(patient, physician):
    with pytest.raises(RuntimeError), transaction.atomic():
        log_reads(patient, physician, 1)
        assert AccessReader.objects.filter(patient=patient).exists()
        raise RuntimeError("the read fails after the event was written")
    assert not AccessEvent.objects.filter(patient=patient).exists()
    assert not AccessReader.objects.filter(patient=patient).exists()


def test_the_migration_fills_readers_from_events_already_written(
    patient, physician, other_physician
):
    log_reads(patient, physician, 2)
    log_reads(patient, other_physician, 1)
    raw_sql("DELETE FROM accesslog_accessreader", [])
    migration = importlib.import_module("accesslog.migrations.0004_backfill_access_readers")
    migration.backfill(apps, SimpleNamespace(connection=connection))
    migration.backfill(apps, SimpleNamespace(connection=connection))  # safe to run again
    assert sorted(AccessReader.objects.values_list("actor_name", flat=True)) == [
        "Dr A. Rivera",
        "Dr M. Chen",
    ]


def test_readers_table_is_append_only_in_the_orm(patient, physician):
    log_reads(patient, physician, 1)
    with pytest.raises(PermissionError):
        AccessReader.objects.all().delete()
    with pytest.raises(PermissionError):
        AccessReader.objects.update(actor_name="Someone else")


# --- verification from the stored mark --------------------------------------------------------


def test_each_view_rehashes_only_the_links_written_since_the_last(
    client, patient, patient_user, physician, monkeypatch
):
    log_reads(patient, physician, 5)
    client.force_login(patient_user)
    assert "every look up to the newest has been verified" in _page(client)
    assert AccessChainVerification.objects.get(patient=patient).sequence == 5
    hashed = []
    monkeypatch.setattr(verified, "compute_hash", lambda e: hashed.append(e.sequence) or e.hash)
    log_reads(patient, physician, 3)
    assert "every look up to the newest has been verified" in _page(client)
    assert hashed == [6, 7, 8]
    hashed.clear()
    _page(client)
    assert hashed == []


def test_rewriting_verified_links_with_recomputed_hashes_is_caught(
    client, patient, patient_user, physician
):
    log_reads(patient, physician, 4)
    client.force_login(patient_user)
    _page(client)
    _rewrite_from_start(patient.pk)
    page = _page(client)
    assert "Warning: your access log failed its integrity check" in page
    assert "link 4 is broken (it changed after it was verified (log rewritten))" in page


def test_dropping_verified_links_and_moving_the_head_back_is_caught(
    client, patient, patient_user, physician
):
    events = log_reads(patient, physician, 4)
    client.force_login(patient_user)
    _page(client)
    raw_sql("DELETE FROM accesslog_accessevent WHERE id IN (%s, %s)", [events[2].pk, events[3].pk])
    raw_sql(
        "UPDATE accesslog_accesschainhead SET sequence=2, hash=%s WHERE patient_id=%s",
        [events[1].hash, patient.pk],
    )
    page = _page(client)
    assert "Warning: your access log failed its integrity check" in page
    assert "verified up to 4 but its head now says 2" in page


def test_deleting_the_verified_link_is_caught(client, patient, patient_user, physician):
    events = log_reads(patient, physician, 3)
    client.force_login(patient_user)
    _page(client)
    raw_sql("DELETE FROM accesslog_accessevent WHERE id = %s", [events[2].pk])
    assert "link 3 is broken (it was verified before but is missing" in _page(client)


def test_a_broken_new_link_stays_reported_after_it_is_put_back(
    client, patient, patient_user, physician
):
    log_reads(patient, physician, 3)
    client.force_login(patient_user)
    _page(client)
    event = log_reads(patient, physician, 2)[0]
    raw_sql("UPDATE accesslog_accessevent SET actor_name = 'Nobody' WHERE id = %s", [event.pk])
    assert "link 4 is broken" in _page(client)
    raw_sql(
        "UPDATE accesslog_accessevent SET actor_name = %s WHERE id = %s",
        [
            event.actor_name,
            event.pk,
        ],
    )
    page = _page(client)
    assert "link 4 is broken" in page  # the mark never moves past a broken link
    assert "every look up to the newest" not in page


def test_a_long_unverified_tail_is_verified_a_part_at_a_time_and_said_so(
    client, patient, patient_user, physician, monkeypatch
):
    monkeypatch.setattr(verified, "PAGE_VERIFY_LIMIT", 10)
    log_reads(patient, physician, 25)
    client.force_login(patient_user)
    page = _page(client)
    assert "intact as far as we have verified it: looks 1 to 10 of 25" in page
    assert "The newest 15 are verified a part at a time" in page
    assert "looks 1 to 20 of 25" in _page(client)
    assert tasks.verify_new_access_events() == 0
    assert "every look up to the newest has been verified" in _page(client)


def test_the_beat_task_catches_every_chain_up_and_counts_broken_ones(
    patient, other_patient, physician
):
    log_reads(patient, physician, 4)
    event = log_reads(other_patient, physician, 3)[1]
    raw_sql("UPDATE accesslog_accessevent SET purpose = 'forged' WHERE id = %s", [event.pk])
    assert tasks.verify_new_access_events() == 1
    assert AccessChainVerification.objects.get(patient=patient).sequence == 4
    broken = AccessChainVerification.objects.get(patient=other_patient)
    assert (broken.sequence, broken.broken_sequence) == (1, 2)
    assert verified.chains_behind() == []


def test_the_checkpoint_job_moves_the_marks_so_the_page_has_nothing_to_rehash(
    client, patient, other_patient, patient_user, physician, monkeypatch
):
    monkeypatch.setattr(verified, "PAGE_VERIFY_LIMIT", 10)
    log_reads(patient, physician, 25)
    client.force_login(patient_user)
    assert "looks 1 to 10 of 25" in _page(client)
    event = log_reads(other_patient, physician, 3)[1]
    raw_sql("UPDATE accesslog_accessevent SET purpose = 'forged' WHERE id = %s", [event.pk])
    run = checkpoints.create_checkpoint()
    assert run.signed_chains == 1 and len(run.problems) == 1
    assert AccessChainVerification.objects.get(patient=patient).sequence == 25
    assert not AccessChainVerification.objects.filter(patient=other_patient).exists()
    assert "every look up to the newest has been verified" in _page(client)


def test_the_checkpoint_job_never_moves_a_mark_past_a_broken_link(patient, physician):
    event = log_reads(patient, physician, 3)[1]
    raw_sql("UPDATE accesslog_accessevent SET purpose = 'forged' WHERE id = %s", [event.pk])
    assert tasks.verify_new_access_events() == 1
    raw_sql(
        "UPDATE accesslog_accessevent SET purpose = %s WHERE id = %s", [event.purpose, event.pk]
    )
    assert checkpoints.create_checkpoint().signed_chains == 1
    mark = AccessChainVerification.objects.get(patient=patient)
    assert (mark.sequence, mark.broken_sequence) == (1, 2)


def test_a_chain_without_its_head_is_reported(client, patient, patient_user, physician):
    log_reads(patient, physician, 2)
    raw_sql("DELETE FROM accesslog_accesschainhead WHERE patient_id = %s", [patient.pk])
    client.force_login(patient_user)
    assert "the chain has events but no head" in _page(client)


# --- pages and CSV ------------------------------------------------------------------------------


def test_the_count_comes_from_the_head_and_filters_do_not_count(
    client, patient, patient_user, physician, other_physician
):
    log_reads(patient, physician, 3)
    log_reads(patient, other_physician, 2)
    client.force_login(patient_user)
    assert "Newest first (5 looks in all; your own are not shown)" in _page(client)
    page = client.get(LOG, {"person": other_physician.pk}).content.decode()
    assert "Newest first (looks that match your filters)" in page
    assert page.split("<tbody>")[1].count('id="event-') == 2


def test_pages_keep_the_filters(client, patient, patient_user, physician, other_physician):
    log_reads(patient, physician, 30)
    log_reads(patient, other_physician, 30)
    client.force_login(patient_user)
    page = client.get(LOG, {"person": physician.pk}).content.decode()
    assert f"person={physician.pk}&amp;before=6" in page
    older = client.get(LOG, {"person": physician.pk, "before": 6}).content.decode()
    assert older.split("<tbody>")[1].count('id="event-') == 5
    assert "Dr M. Chen" not in older.split("<tbody>")[1]


def test_csv_is_streamed_in_keyset_batches(
    client, patient, patient_user, physician, other_physician, monkeypatch
):
    monkeypatch.setattr(views, "CSV_BATCH", 7)
    log_reads(patient, physician, 20)
    log_reads(patient, other_physician, 3)
    client.force_login(patient_user)
    response = client.get(LOG, {"format": "csv"})
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="access-log.csv"'
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert [int(row[0]) for row in rows[1:]] == list(range(23, 0, -1))
    only = client.get(LOG, {"format": "csv", "person": other_physician.pk})
    rows = list(csv.reader(io.StringIO(only.getvalue().decode())))
    assert [row[2] for row in rows[1:]] == ["Dr M. Chen"] * 3


def test_csv_needs_the_patient(client, patient, physician, other_patient_user):
    log_reads(patient, physician, 2)
    client.force_login(other_patient_user)
    rows = list(csv.reader(io.StringIO(client.get(LOG, {"format": "csv"}).getvalue().decode())))
    assert rows[1:] == []
    client.force_login(physician)
    assert client.get(LOG, {"format": "csv"}).status_code in (302, 403, 404)


def test_appending_still_links_the_head(patient, physician):
    log_reads(patient, physician, 2)
    head = chain.AccessChainHead.objects.get(patient=patient)
    last = AccessEvent.objects.get(patient=patient, sequence=2)
    assert (head.sequence, head.hash) == (2, last.hash)


# --- the signed checkpoint, read for this patient only ------------------------------------------


def test_the_page_says_it_matches_the_latest_checkpoint(client, patient, patient_user, physician):
    log_reads(patient, physician, 3)
    checkpoint = checkpoints.create_checkpoint().checkpoint
    client.force_login(patient_user)
    page = _page(client)
    assert "every look up to the newest has been verified" in page
    when = timezone.localtime(checkpoint.created_at)
    assert f"matches the signed checkpoint of {when:%-d %B %Y, %H:%M}" in page


def test_a_chain_rewritten_before_any_view_fails_the_checkpoint(
    client, patient, patient_user, physician
):
    log_reads(patient, physician, 4)
    checkpoints.create_checkpoint()
    _rewrite_from_start(patient.pk)  # every hash recomputed: only the checkpoint can tell
    client.force_login(patient_user)
    page = _page(client)
    assert "Warning: your access log failed its integrity check" in page
    assert "link 4 is broken (it differs from the signed checkpoint (log rewritten))" in page


def test_a_forged_checkpoint_signature_is_reported(client, patient, patient_user, physician):
    log_reads(patient, physician, 2)
    checkpoint = checkpoints.create_checkpoint().checkpoint
    raw_sql(
        "UPDATE accesslog_accesslogcheckpoint SET note = replace(note, %s, %s) WHERE id = %s",
        ["rapport-time 2", "rapport-time 1", checkpoint.pk],
    )
    client.force_login(patient_user)
    page = _page(client)
    assert "Warning: your access log failed its integrity check" in page
    assert "checkpoint 1: not signed by a key we trust" in page


def test_other_patients_leaves_are_not_loaded(
    client, patient, patient_user, physician, other_patient
):
    log_reads(patient, physician, 2)
    log_reads(other_patient, physician, 2)
    checkpoints.create_checkpoint()
    client.force_login(patient_user)
    _page(client)  # the signature is checked once per process and checkpoint
    with CaptureQueriesContext(connection) as queries:
        _page(client)
    checkpoint_reads = [q["sql"] for q in queries if "accesslogcheckpoint" in q["sql"]]
    leaf_reads = [q["sql"] for q in queries if "checkpointleaf" in q["sql"]]
    assert len(checkpoint_reads) == 1 and len(leaf_reads) == 1
    assert "LIMIT 1" in checkpoint_reads[0] and "LIMIT 1" in leaf_reads[0]
    assert f'"patient_id" = {patient.pk}' in leaf_reads[0].replace("%s", str(patient.pk))
