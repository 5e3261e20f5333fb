"""The table of tamperings. Each is done the way someone with the database owner's rights would
do it, then looked for by all three checks that need no trust in the database: the full
verification (`verify_access_log`), the patient's page, and the offline verifier run on the
patient's proof bundle (remembering what it verified before the tampering). Each must catch it
and name the first broken link where there is one.

The log in every case: links 1-4 signed by checkpoint 1, 5-6 by checkpoint 2 (the patient's
newest leaf, link 6), and 7-8 not yet signed. "page alone" says whether the page sees it at its
flat cost (links after the newest leaf, the newest checkpoint, the export); otherwise it shows it
once the daily full verification has raised the alarm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from accesslog import checkpoints, integrity, proof
from accesslog.chain import compute_hash
from accesslog.keys import trusted_keys
from accesslog.models import AccessEvent, AccessLogCheckpoint
from tests.support.access_log import log_reads, raw_sql, rewrite_chain
from verifier import rapport_verify


@dataclass(frozen=True)
class Tampering:
    name: str
    tamper: Callable
    link: int | None  # the first broken link, or None when the damage is to the checkpoints
    page_alone: bool
    # The page and the bundle start from the patient's newest leaf (link 6); the full check
    # knows every leaf, so it may name an earlier one.
    link_from_newest_leaf: int | None = None

    @property
    def newest_leaf_link(self) -> int | None:
        return self.link_from_newest_leaf or self.link


def _events(patient) -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(patient=patient).order_by("sequence"))


def _edit(field: str, value, sequence: int = 3):
    def tamper(patient):
        event = _events(patient)[sequence - 1]
        raw_sql(f"UPDATE accesslog_accessevent SET {field}=%s WHERE id=%s", [value, event.pk])

    return tamper


def _delete_middle(patient):
    raw_sql("DELETE FROM accesslog_accessevent WHERE id=%s", [_events(patient)[2].pk])


def _delete_tail_and_move_head_back(patient):
    events = _events(patient)
    for event in events[4:]:
        raw_sql("DELETE FROM accesslog_accessevent WHERE id=%s", [event.pk])
    raw_sql(
        "UPDATE accesslog_accesschainhead SET sequence=4, hash=%s WHERE patient_id=%s",
        [events[3].hash, patient.pk],
    )


def _insert_forged(patient):
    """A forged event slipped in at link 3, the later ones renumbered, every hash recomputed."""
    events = _events(patient)
    for event in reversed(events[2:]):
        raw_sql(
            "UPDATE accesslog_accessevent SET sequence=%s WHERE id=%s",
            [event.sequence + 1, event.pk],
        )
    forged = AccessEvent(
        **{f.attname: getattr(events[2], f.attname) for f in AccessEvent._meta.concrete_fields}
    )
    forged.pk, forged.actor_name, forged.purpose = None, "Dr Nobody", "routine"
    forged.save()
    rewrite_chain(patient.pk, purpose="routine", from_sequence=3)


def _rewrite_tail(patient):
    rewrite_chain(patient.pk, purpose="nothing to see", from_sequence=5)


def _delete_everything_of_the_patient(patient):
    raw_sql("DELETE FROM accesslog_accessevent WHERE patient_id=%s", [patient.pk])
    raw_sql("DELETE FROM accesslog_accesschainhead WHERE patient_id=%s", [patient.pk])


def _edit_checkpoint(patient):
    latest = AccessLogCheckpoint.objects.order_by("-number").first()
    raw_sql(
        "UPDATE accesslog_accesslogcheckpoint SET note=replace(note, 'rapport-time 2', "
        "'rapport-time 1') WHERE id=%s",
        [latest.pk],
    )


def _delete_latest_checkpoint(patient):
    latest = AccessLogCheckpoint.objects.order_by("-number").first()
    raw_sql("DELETE FROM accesslog_checkpointleaf WHERE checkpoint_id=%s", [latest.number])
    raw_sql("DELETE FROM accesslog_accesslogcheckpoint WHERE id=%s", [latest.pk])


def _truncate_checkpoints(patient):
    raw_sql("DELETE FROM accesslog_checkpointleaf", [])
    raw_sql("DELETE FROM accesslog_accesslogcheckpoint", [])


def _reorder_checkpoints(patient):
    first, second = AccessLogCheckpoint.objects.order_by("number")[:2]
    raw_sql("UPDATE accesslog_accesslogcheckpoint SET note=%s WHERE id=%s", [second.note, first.pk])
    raw_sql("UPDATE accesslog_accesslogcheckpoint SET note=%s WHERE id=%s", [first.note, second.pk])


def _rewrite_then_checkpoint(patient):
    _rewrite_tail(patient)
    log_reads(patient, patient.user, 1)
    for _ in range(2):
        checkpoints.create_checkpoint()


def _restore_older_copy(patient):
    """Back to how the database was just after checkpoint 1 (links 1-4)."""
    _delete_tail_and_move_head_back(patient)
    raw_sql("DELETE FROM accesslog_checkpointleaf WHERE checkpoint_id=%s", [2])
    raw_sql("DELETE FROM accesslog_accesslogcheckpoint WHERE number=%s", [2])


TAMPERINGS = [
    Tampering("edit the purpose", _edit("purpose", "billing"), 3, False),
    Tampering("edit who read", _edit("actor_name", "Dr Nobody"), 3, False),
    Tampering("edit the role", _edit("actor_role", "physician"), 3, False),
    Tampering("edit the basis", _edit("basis", "grant"), 3, False),
    Tampering("edit the time", _edit("occurred_at", "2020-01-01 00:00:00"), 3, False),
    Tampering("edit the stored hash", _edit("hash", "f" * 64), 3, False),
    Tampering("edit an unsigned link", _edit("purpose", "billing", sequence=7), 7, True),
    Tampering("delete a middle event", _delete_middle, 3, False),
    Tampering("delete the tail, head moved back", _delete_tail_and_move_head_back, 5, True),
    Tampering("insert a forged event, hashes recomputed", _insert_forged, 4, True, 6),
    Tampering("rewrite the tail, hashes recomputed", _rewrite_tail, 6, True),
    Tampering("delete the patient's events and head", _delete_everything_of_the_patient, 1, True),
    Tampering("edit a checkpoint", _edit_checkpoint, None, True),
    Tampering("delete the latest checkpoint", _delete_latest_checkpoint, None, True),
    Tampering("truncate the checkpoints", _truncate_checkpoints, None, True),
    Tampering("reorder the checkpoints", _reorder_checkpoints, None, True),
    Tampering("tamper, then let the next checkpoint run", _rewrite_then_checkpoint, 6, True),
    Tampering("restore an older database copy", _restore_older_copy, None, True),
]


@pytest.fixture
def signed_log(patient, patient_user, settings, tmp_path, django_capture_on_commit_callbacks):
    """Links 1-4 in checkpoint 1, 5-6 in checkpoint 2, 7-8 unsigned; the offline verifier has
    checked the patient's bundle once and remembers it."""
    settings.ACCESS_LOG_EXPORT_DIR = str(tmp_path / "export")
    log_reads(patient, patient_user, 4)
    with django_capture_on_commit_callbacks(execute=True):
        checkpoints.create_checkpoint()
    log_reads(patient, patient_user, 2)
    with django_capture_on_commit_callbacks(execute=True):
        checkpoints.create_checkpoint()
    log_reads(patient, patient_user, 2)
    fingerprint = trusted_keys()[0].fingerprint
    before = rapport_verify.verify_bundle(proof.build(patient.pk), fingerprint_wanted=fingerprint)
    assert before.ok and before.state["head"]["sequence"] == 8
    assert integrity.verify_patient_log(patient).intact and not integrity.verify_log().problems
    return before.state


def test_the_untouched_log_verifies_everywhere(signed_log, patient):
    assert integrity.verify_patient_log(patient).intact
    assert not integrity.verify_log().problems


@pytest.mark.parametrize("case", TAMPERINGS, ids=[case.name for case in TAMPERINGS])
def test_every_tampering_is_caught_and_named(case, signed_log, patient, client, patient_user):
    case.tamper(patient)

    # 1. The patient's page, at its flat cost, before any full verification has run.
    client.force_login(patient_user)
    if case.page_alone:
        report = integrity.verify_patient_log(patient)
        assert not report.intact, report
        if case.link is not None:
            assert report.problem.sequence == case.newest_leaf_link, report
        page = client.get("/portal/access-log/").content.decode()
        assert "Warning: your access log failed its integrity check" in page

    # 2. The full verification names the link, and raises the alarm the page then shows.
    report = integrity.verify_log()
    assert report.problems
    if case.link is not None:
        assert [(p.patient_id, p.sequence) for p in report.chain_problems][:1] == [
            (patient.pk, case.link)
        ]
    page = client.get("/portal/access-log/").content.decode()
    assert "Warning: your access log failed its integrity check" in page
    if case.link is not None:
        assert f"link {case.link} is broken" in page  # the alarm names what the full check found

    # 3. The offline verifier on the bundle the server now gives, remembering the last check.
    fingerprint = trusted_keys()[0].fingerprint
    result = rapport_verify.verify_bundle(
        proof.build(patient.pk), fingerprint_wanted=fingerprint, state=signed_log
    )
    assert not result.ok
    if case.link is not None:
        assert result.problems[0].startswith(f"link {case.newest_leaf_link}:"), result.problems


def test_a_forged_event_that_recomputes_only_itself_breaks_the_next_link(signed_log, patient):
    event = _events(patient)[6]
    event.purpose = "routine"
    raw_sql(
        "UPDATE accesslog_accessevent SET purpose=%s, hash=%s WHERE id=%s",
        ["routine", compute_hash(event), event.pk],
    )
    assert integrity.verify_patient_log(patient).problem.sequence == 8
