"""On PostgreSQL, the database pre-checks chains before Python does: which are intact, in C.

Why the database may pre-check. A checkpoint over the whole log (10,000 chains, 1,000,000 events)
spends most of its time turning rows into Python values and hashing them. PostgreSQL can compute
the same thing where the rows are: for each event it builds the same canonical JSON bytes
(`chain.canonical_bytes`: keys sorted, "," and ":", UTF-8 as is, times in UTC to the microsecond)
and the same SHA-256 over them (`pg_catalog.sha256`), checks each `prev_hash` against the link
before, that no sequence is missing, that the signed link we resume from still carries its hash and
that the chain ends at its head. `intact_chains` returns only the chains that pass every one of
these checks; the database never decides that a chain is broken. Every chain it does not return
(broken, or merely something it cannot encode, such as an unknown hash version, whose canonical
form is NULL) goes back to the Python path (`chain._check_links`), which names the first broken
link and its reason; if Python finds nothing wrong there, Python wins and the chain is signed.
The database passes an event only if its stored hash is the SHA-256 of the bytes the SQL
expression builds, which is Python's verdict exactly when the two encodings give the same bytes:
the property test (tests/accesslog/test_chain_sql.py) pins that for any event, both hash
versions, any text PostgreSQL can hold (quotes, backslashes, every control character, U+007F,
U+2028, emoji, empty), missing foreign keys and times to the microsecond in any year.

The SQL expression is generated from `chain.CANONICAL_FIELDS` and the model's field types (time,
number or string): there is one list of what each version hashes. Every function is qualified
with `pg_catalog`, and so is the concatenation operator (`OPERATOR(pg_catalog.||)`), so a
function of the same name in another schema on the search path (which a role that can create
objects could plant) is never the one that runs (tested); comparisons resolve in pg_catalog,
which PostgreSQL searches first unless a search path names it later. The query only reads, and
runs as the application's role.

Mutation testing (`make mutmut`) runs on SQLite, where this module is not used: the PostgreSQL
tests in tests/accesslog/test_chain_sql.py pin it instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from django.db import DatabaseError, connection, models

from .models import AccessEvent

logger = logging.getLogger(__name__)

# What each hash version covers: `chain.CANONICAL_FIELDS`, passed in (this module sits below
# `chain`, which imports it).
Versions = Mapping[int, Sequence[str]]

# Chains per query: the arrays go in as parameters, so this only bounds one statement's memory.
CHAINS_PER_QUERY = 20_000
# From how many links to check on two connections at once (a first checkpoint over a large log).
PARALLEL_LINKS = 200_000

# A time as Python hashes it (`chain._utc_text`): 2026-12-03T07:00:00.000007Z.
_TIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'


def _literal(text: str) -> str:
    """A SQL string literal (standard_conforming_strings: only quotes are doubled)."""
    if "%" in text:  # the statement goes through the driver's %s formatting
        text = text.replace("%", "%%")
    return "'" + text.replace("'", "''") + "'"


def _concat(*parts: str) -> str:
    """`a || b || ...` with PostgreSQL's own text concatenation (faster than `concat()`, and
    NULL in, NULL out), qualified like every function here."""
    return "(" + " OPERATOR(pg_catalog.||) ".join(parts) + ")"


def _field(field_name: str, alias: str) -> tuple[str, str]:
    """A field's column (qualified by `alias`) and what JSON makes of it ("time", "number" or
    "string"), from the model's field type."""
    field = AccessEvent._meta.get_field(field_name)
    column = f"{alias}.{connection.ops.quote_name(field.column)}"
    kind = field.target_field if field.is_relation else field
    if isinstance(kind, models.DateTimeField):
        return column, "time"
    if isinstance(kind, models.IntegerField | models.AutoField):
        return column, "number"
    if isinstance(kind, models.CharField | models.TextField):
        return column, "string"
    raise TypeError(f"no canonical JSON in SQL for {field_name} ({type(kind).__name__})")


def _value_sql(field_name: str, alias: str, *, escape: bool) -> str:
    """The JSON text of one field's value, as Python's json module writes it. A string is written
    by `to_json` (PostgreSQL's escape_json escapes what Python's json does: `"`, `\\`, \\b \\f
    \\n \\r \\t, any other character below U+0020 as \\u00xx, and nothing else); without
    `escape`, for strings known to hold none of those, it is quoted as it is, which is cheaper."""
    column, kind = _field(field_name, alias)
    quote = _literal('"')
    if kind == "time":
        text = _concat(
            quote,
            f"pg_catalog.to_char(pg_catalog.timezone('UTC', {column}), {_literal(_TIME_FORMAT)})",
            quote,
        )
    elif kind == "number":
        text = f"{column}::bigint::text"
    elif escape:
        text = f"pg_catalog.to_json({column}::text)::text"
    else:
        text = _concat(quote, f"{column}::text", quote)
    return f"coalesce({text}, 'null')"  # None is null, whatever the column allows


# What JSON escapes in a string: a string without any of these is written as it is, in quotes.
_NEEDS_ESCAPING = r'[\x01-\x1f"\\]'


def _object_sql(fields: tuple[str, ...], alias: str, *, escape: bool) -> str:
    """A JSON object of `fields` (sorted keys, no spaces), as `chain._CANONICAL_JSON` writes it."""
    parts: list[str] = []
    for index, field in enumerate(sorted(fields)):
        key = ("{" if index == 0 else ",") + json.dumps(field, ensure_ascii=False) + ":"
        parts += [_literal(key), _value_sql(field, alias, escape=escape)]
    parts.append(_literal("}"))
    return _concat(*parts)


def _version_sql(fields: tuple[str, ...], alias: str) -> str:
    """One version's canonical JSON: strings through `to_json` only when one of them holds
    something JSON escapes (rare: one regular expression over them all decides)."""
    strings = [
        f"coalesce({column}::text, '')"
        for column, kind in (_field(field, alias) for field in sorted(fields))
        if kind == "string"
    ]
    if not strings:
        return _object_sql(fields, alias, escape=False)
    return (
        f"CASE WHEN {_concat(*strings)} OPERATOR(pg_catalog.~) {_literal(_NEEDS_ESCAPING)} "
        f"THEN {_object_sql(fields, alias, escape=True)} "
        f"ELSE {_object_sql(fields, alias, escape=False)} END"
    )


def canonical_json_sql(versions: Versions, alias: str = "e") -> str:
    """A SQL expression over the event table (as `alias`): an event's canonical JSON text for its
    `hash_version`, as `versions` (`chain.CANONICAL_FIELDS`) defines each version's fields; NULL
    for a version it does not name."""
    version = f"{alias}.{connection.ops.quote_name('hash_version')}"
    cases = " ".join(
        f"WHEN {int(number)} THEN {_version_sql(tuple(versions[number]), alias)}"
        for number in sorted(versions)
    )
    return f"CASE {version} {cases} END"


def hash_sql(versions: Versions, alias: str = "e") -> str:
    """SHA-256 (hex) over the UTF-8 bytes of `canonical_json_sql`."""
    return (
        "pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to("
        f"{canonical_json_sql(versions, alias)}, 'UTF8')), 'hex')"
    )


def _intact_sql(versions: Versions) -> str:
    table = connection.ops.quote_name(AccessEvent._meta.db_table)
    # Per chain (LATERAL: its events come in sequence order from the (patient, sequence) index,
    # so neither the window nor the aggregate sorts). Per event after `after`: it follows the one
    # before (the signed link for the first new one) by one, its prev_hash is that one's hash,
    # and it hashes to its stored hash; the signed link itself is there once. Per chain: as many
    # such links as the head says, the signed link carrying its hash, the head where and what the
    # head row says. (Without the unique (patient, sequence) constraint a sequence written twice
    # would still fail: the link after it does not follow by one.)
    return f"""
        SELECT c.patient_id
          FROM ROWS FROM (
                pg_catalog.unnest(%s::bigint[]), pg_catalog.unnest(%s::bigint[]),
                pg_catalog.unnest(%s::text[]), pg_catalog.unnest(%s::bigint[]),
                pg_catalog.unnest(%s::text[])
               ) AS c (patient_id, after_seq, after_hash, head_seq, head_hash)
         CROSS JOIN LATERAL (
                SELECT pg_catalog.count(*) FILTER (WHERE l.sequence > c.after_seq) AS links,
                       pg_catalog.bool_and(l.ok) AS linked,
                       pg_catalog.bool_or(l.sequence = c.after_seq AND l.hash = c.after_hash)
                           AS resumes,
                       pg_catalog.bool_or(l.sequence = c.head_seq AND l.hash = c.head_hash)
                           AS ends
                  FROM (
                        SELECT e.sequence, e.hash,
                               CASE WHEN e.sequence <= c.after_seq
                               THEN pg_catalog.lag(e.sequence) OVER w IS NULL
                               ELSE coalesce(
                                   e.sequence = coalesce(
                                       pg_catalog.lag(e.sequence) OVER w, c.after_seq) + 1
                                   AND e.prev_hash = coalesce(
                                       pg_catalog.lag(e.hash) OVER w, c.after_hash)
                                   AND e.hash = {hash_sql(versions, "e")},
                                   false)
                               END AS ok
                          FROM {table} e
                         WHERE e.patient_id = c.patient_id
                           AND e.sequence >= greatest(c.after_seq, 1)
                           AND e.sequence <= c.head_seq
                        WINDOW w AS (ORDER BY e.sequence)
                       ) l
               ) s
         WHERE s.links = c.head_seq - c.after_seq
           AND s.linked
           AND (c.after_seq = 0 OR s.resumes)
           AND s.ends
    """  # noqa: S608 (the table's name and the expression are ours; values are parameters)


def _run(sql: str, batch: list[tuple[int, tuple[tuple[int, str], tuple[int, str]]]]) -> set[int]:
    intact: set[int] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(batch), CHAINS_PER_QUERY):
            part = batch[start : start + CHAINS_PER_QUERY]
            cursor.execute(
                sql,
                [
                    [patient_id for patient_id, _ in part],
                    [after[0] for _, (after, _head) in part],
                    [after[1] for _, (after, _head) in part],
                    [head[0] for _, (_after, head) in part],
                    [head[1] for _, (_after, head) in part],
                ],
            )
            intact.update(patient_id for (patient_id,) in cursor.fetchall())
    return intact


def _run_on_own_connection(sql: str, batch: list) -> set[int]:
    """`_run` in a worker thread: Django gives each thread its own connection; close it after."""
    try:
        return _run(sql, batch)
    finally:
        connection.close()


def _halves(batch: list) -> tuple[list, list]:
    """`batch` cut in two with about as many links on each side."""
    total = sum(head[0] - after[0] for _, (after, head) in batch)
    running = 0
    for index, (_patient_id, (after, head)) in enumerate(batch):
        running += head[0] - after[0]
        if running * 2 >= total:
            return batch[: index + 1], batch[index + 1 :]
    return batch, []


def intact_chains(
    chains: Mapping[int, tuple[tuple[int, str], tuple[int, str]]], versions: Versions
) -> set[int]:
    """The patient ids in `chains` (patient id -> (after, head), as `chain.verify_chains` takes
    them) whose links from `after` to `head` PostgreSQL finds intact, hashing each version's
    fields as `versions` (`chain.CANONICAL_FIELDS`) names them. A chain not returned is not
    known to be broken: Python checks it and names the link.

    With at least `PARALLEL_LINKS` links to check, the chains are cut in two halves checked at
    once on two connections, the second in a thread: PostgreSQL hashes on two cores while this
    process waits (psycopg releases the GIL). The second connection sees what is committed: a
    chain whose events it cannot see (written by this transaction, not yet committed) is merely
    not passed, and Python checks it; so is the whole half if that connection fails."""
    if connection.vendor != "postgresql" or not chains:
        return set()
    ordered = sorted(chains.items())
    sql = _intact_sql(versions)
    links = sum(head[0] - after[0] for after, head in chains.values())
    if links < PARALLEL_LINKS:
        return _run(sql, ordered)
    first, second = _halves(ordered)
    with ThreadPoolExecutor(max_workers=1) as pool:
        other = pool.submit(_run_on_own_connection, sql, second)
        intact = _run(sql, first)
        try:
            return intact | other.result()
        except DatabaseError:
            # No second connection (e.g. none left): that half is not passed, Python checks it.
            logger.warning("access log pre-check: the second connection failed", exc_info=True)
            return intact
