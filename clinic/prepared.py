"""Queries that every page runs, built and compiled once per process instead of once per request.

Profiles of the portal's pages put most of a request's time not in the database but in Django
building and compiling the SQL of a handful of queries that every request runs with different
values (the signed-in user, the grants in force for a patient, the navigation badges): a few
milliseconds each, against a tenth of a millisecond for the database to answer. `PreparedQuery`
builds such a queryset once, compiles it once, and from then on runs the same SQL with the new
values put in their places, through Django's own result iterators (so model instances,
`select_related`, annotations, `values()` and `prefetch_related` come out exactly as before).

It is only for a query whose SQL does not depend on its values, and it checks that, per process
and database: it builds the query with two different values for each parameter; the SQL must be
identical, and the parameters that change must be exactly the value given, as the database
adapts it. Otherwise (or if a value is None) the query is simply built and run as usual. A
builder must not branch on its values in Python: the check only sees the values it tries. Nor may
it read the clock (or anything else that changes between requests): the SQL and the values
built into it are kept for the process's life, so `timezone.now()` inside a builder would freeze
at the first call. Take the time as a parameter (DATETIME), as the home's next appointment does.

On PostgreSQL the database, too, plans such a query once per connection: it runs through
`server_cursor`, which sends the values apart from the SQL and has the statement prepared (PARSE
once, then only EXECUTE). Planning was most of the database's time on the hot queries, e.g. 3 ms
of the 3.4 ms of a clinician's grants in force with the patient and its related rows, against
0.35 ms prepared. Django's other queries keep client-side binding (its default: the ORM's SQL is
not always preparable). `DB_PREPARED_STATEMENTS=false` turns this off, e.g. behind a pooler in
transaction mode that cannot keep prepared statements.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet

logger = logging.getLogger(__name__)

INT, DATETIME, TEXT = "int", "datetime", "text"
_UNPREPARABLE = object()


def _sample(kind: str, index: int, variant: int):
    """A value for parameter `index`, unlikely to equal anything else in the query."""
    if kind == INT:
        return 900_000_000_007 + 1000 * index + variant
    if kind == DATETIME:
        return dt.datetime(2001, 2, 3, 4, 5, 6, 100_000 + 1000 * index + variant, tzinfo=dt.UTC)
    if kind == TEXT:
        return f"prepared-sample-{index}-{variant}"
    raise ValueError(f"Unknown parameter kind {kind!r}")


def _adapt(connection, kind: str, value):
    """`value` as the database receives it in a query's parameters."""
    if kind == INT:
        return int(value)
    if kind == DATETIME:
        return connection.ops.adapt_datetimefield_value(value)
    return value


def prepares_statements(connection) -> bool:
    """Whether `server_cursor` prepares on this connection: PostgreSQL with psycopg 3, and
    DB_PREPARED_STATEMENTS on."""
    return (
        connection.vendor == "postgresql"
        and getattr(settings, "DB_PREPARED_STATEMENTS", False)
        and connection.Database.__name__ == "psycopg"
    )


class _LoggedQuery:
    """What Django's query log (DEBUG, `CaptureQueriesContext`) reads of a cursor's last query
    (`cursor._query.query`): psycopg keeps nothing there for a prepared statement, so it is the
    SQL with its values put in, as Django's own cursors show it, composed only when read."""

    __slots__ = ("_ops", "_sql", "_params")

    def __init__(self, ops, sql, params) -> None:
        self._ops, self._sql, self._params = ops, sql, params

    @property
    def query(self) -> bytes:
        return self._ops.compose_sql(self._sql, self._params).encode()


_preparing_cursor_class = None


def _preparing_cursor(connection):
    """A psycopg cursor binding values on the server and preparing every statement it runs
    (Django's own server-binding cursor class, so Django's cursor wrapper works unchanged)."""
    global _preparing_cursor_class
    if _preparing_cursor_class is None:
        from django.db.backends.postgresql.base import ServerBindingCursor

        class PreparingCursor(ServerBindingCursor):
            ops = None

            def execute(self, query, params=None, *, prepare=None, binary=None):
                result = super().execute(query, params, prepare=True, binary=binary)
                self._query = _LoggedQuery(self.ops, query, params)
                return result

        _preparing_cursor_class = PreparingCursor
    raw_connection = connection.connection
    if raw_connection.prepare_threshold is None:
        # Django turns psycopg's automatic preparation off (None); this only lets the explicit
        # `prepare=True` above work. Django's own cursors bind on the client and never prepare.
        raw_connection.prepare_threshold = 2**31 - 1
    cursor = _preparing_cursor_class(raw_connection)
    cursor.ops = connection.ops
    return cursor


def server_cursor(connection):
    """A cursor for a hot statement whose SQL never changes, only its values: on PostgreSQL
    (see `prepares_statements`) the values are bound on the server and the statement is
    prepared once per connection; elsewhere `connection.cursor()`. Use it like that one (it
    is wrapped the same way: query logging, execute wrappers and errors are Django's)."""
    if not prepares_statements(connection):
        return connection.cursor()
    # What `connection.cursor()` does, with another cursor class.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_preparing_cursor(connection))


class _ServerCursorConnection:
    """`connection` as a prepared query's compiler sees it: the same in every respect, but its
    cursors are `server_cursor`s."""

    __slots__ = ("_connection",)

    def __init__(self, connection) -> None:
        self._connection = connection

    def __getattr__(self, name):
        return getattr(self._connection, name)

    def cursor(self):
        return server_cursor(self._connection)


def _shallow_copy(thing):
    copied = type(thing).__new__(type(thing))
    copied.__dict__.update(thing.__dict__)
    return copied


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet
    compiler: object
    sql: str
    params: tuple
    positions: dict[str, tuple[int, ...]]
    # Per connection (one per thread): each column's converters from database values.
    converters: weakref.WeakKeyDictionary = field(default_factory=weakref.WeakKeyDictionary)


class PreparedQuery:
    """`PreparedQuery(build, user_id=INT, now=DATETIME)`, then `query(user_id=3, now=now)` gives
    what `list(build(user_id=3, now=now))` gives, without building or compiling it again."""

    def __init__(self, build: Callable[..., QuerySet], **kinds: str) -> None:
        self.build, self.kinds = build, kinds
        self._compiled: dict[str, _Compiled | object] = {}
        self._lock = threading.Lock()

    def _compile(self, using: str | None) -> _Compiled | object:
        names = list(self.kinds)
        base = {n: _sample(self.kinds[n], i, 0) for i, n in enumerate(names)}
        queryset = self.build(**base)
        db = queryset.db
        if using is not None and db != using:
            return _UNPREPARABLE
        connection = connections[db]
        compiler = queryset.query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        positions = {}
        for index, name in enumerate(names):
            other = _sample(self.kinds[name], index, 1)
            sql_b, params_b = (
                self.build(**{**base, name: other}).query.get_compiler(using=db).as_sql()
            )
            if sql_b != sql or len(params_b) != len(params):
                return _UNPREPARABLE
            changed = tuple(
                i for i, (a, b) in enumerate(zip(params, params_b, strict=True)) if a != b
            )
            expected = _adapt(connection, self.kinds[name], other)
            if not changed or any(params_b[i] != expected for i in changed):
                return _UNPREPARABLE
            positions[name] = changed
        return _Compiled(queryset, compiler, sql, tuple(params), positions)

    def _get(self, using: str) -> _Compiled | object:
        found = self._compiled.get(using)
        if found is None:
            with self._lock:
                found = self._compiled.get(using)
                if found is None:
                    try:
                        found = self._compile(using)
                    except Exception:  # a builder that cannot take sample values: build per call
                        logger.exception("query %s failed to prepare", self.build.__qualname__)
                        found = _UNPREPARABLE
                    if found is _UNPREPARABLE:
                        logger.warning("query %s cannot be prepared", self.build.__qualname__)
                    self._compiled[using] = found
        return found

    def _queryset(self, **values) -> QuerySet:
        """The queryset to evaluate once: the prepared one when it can be, else a freshly built
        one. Never handed out: a queryset derived from a prepared one would run its SQL."""
        using = "default"
        compiled = self._get(using) if None not in values.values() else _UNPREPARABLE
        if compiled is _UNPREPARABLE:
            return self.build(**values)
        connection = connections[compiled.queryset.db]
        params = list(compiled.params)
        for name, places in compiled.positions.items():
            adapted = _adapt(connection, self.kinds[name], values[name])
            for place in places:
                params[place] = adapted
        compiler = copy.copy(compiled.compiler)
        compiler.connection = (
            _ServerCursorConnection(connection) if prepares_statements(connection) else connection
        )
        sql, bound = compiled.sql, tuple(params)
        compiler.as_sql = lambda *args, **kwargs: (sql, bound)
        # The converters of each column depend on the column and the connection, not the values.
        converters = compiled.converters.get(connection)
        if converters is None:
            fields = [column[0] for column in compiled.compiler.select[: compiler.col_count]]
            converters = compiler.get_converters(fields)
            with self._lock:
                compiled.converters[connection] = converters
        compiler.get_converters = lambda expressions: converters
        # Shallow copies (not copy.copy: a QuerySet's pickling state evaluates it): evaluating a
        # queryset reads its query and never changes it, and a full clone costs as much as the
        # rest of the run.
        query = _shallow_copy(compiled.queryset.query)
        query.get_compiler = lambda *args, **kwargs: compiler
        queryset = _shallow_copy(compiled.queryset)
        queryset._query, queryset._result_cache, queryset._prefetch_done = query, None, False
        return queryset

    def __call__(self, **values) -> list:
        return list(self._queryset(**values))
