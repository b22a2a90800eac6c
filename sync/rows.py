"""Bulk inserts of the engine's own rows (event log, change log) from plain tuples.

A push writes an EventLog and a Change row per event. Through `bulk_create` on PostgreSQL
most of that time went to building model instances and to psycopg quoting every value
into the SQL text (Django's UNNEST arrays are dumped in pure Python). COPY sends the rows
as a stream instead, formatted by psycopg's C code. SQLite keeps `bulk_create`.

Values are what Django would send: Python values as the model holds them, and JSON
encoded as the field's JSONField would (its encoder; None is SQL NULL).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from operator import attrgetter
from typing import Any, TypeVar
from uuid import UUID

import orjson
import psycopg
from django.db import connection, connections
from django.db.models import JSONField, Model, signals
from django.db.models.base import ModelState
from psycopg.pq import Format

M = TypeVar("M", bound=Model)


class JSONText(str):
    """A JSON column's value already encoded by the caller (once): written as it is."""


def json_dumps(encoder: type[json.JSONEncoder] | None) -> Callable[[Any], str]:
    """The field's encoding, by orjson: types it does not know (Decimal…) and datetimes go
    to the field's encoder, so the stored JSON means what `json.dumps(cls=encoder)` wrote;
    whatever orjson refuses (a non-string key) is written by json itself."""
    default = encoder().default if encoder is not None else None

    def dumps(value: Any) -> str:
        if isinstance(value, JSONText):
            return value
        try:
            return orjson.dumps(
                value, default=default, option=orjson.OPT_PASSTHROUGH_DATETIME
            ).decode()
        except TypeError:
            return json.dumps(value, cls=encoder)

    return dumps


def rows_insert(model: type[Model], attnames: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert `rows` (values in `attnames` order) into `model`'s table, in this transaction.

    Model defaults are not applied: give every column that has no database default."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._base_manager.bulk_create(
            [
                model(
                    **{
                        name: json.loads(v) if isinstance(v, JSONText) else v
                        for name, v in zip(attnames, row, strict=True)
                    }
                )
                for row in rows
            ],
            batch_size=500,
        )
        return
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    fields = [by_attname[a] for a in attnames]
    dumps = [(i, json_dumps(f.encoder)) for i, f in enumerate(fields) if isinstance(f, JSONField)]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(str(f.column)) for f in fields)
    sql = f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN"
    # The raw psycopg cursor: Django's wrapper has no copy().
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            if dumps:
                row = list(row)
                for i, dump in dumps:
                    if row[i] is not None:
                        row[i] = dump(row[i])
            copy.write_row(row)


def column_read(connection: Any, table: str, field: Any) -> tuple[str, tuple[Any, list[Callable]]]:
    """A field's quoted column for a hand-written SELECT, and what turns its raw value into
    the field's value: the backend's converters, then the field's, as the ORM applies them."""
    col = field.get_col(table)
    quote = connection.ops.quote_name
    converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
    return f"{quote(table)}.{quote(str(field.column))}", (col, converters)


def converted(row: Any, converters: list[tuple[Any, list[Callable]]], connection: Any) -> tuple:
    """`row`'s raw values through `column_read`'s converters, column by column."""
    out = []
    for value, (col, field_converters) in zip(row, converters, strict=True):
        for convert in field_converters:
            value = convert(value, col, connection)
        out.append(value)
    return tuple(out)


@cache
def _locking_read(model: type[Model], alias: str) -> tuple[str, list[str], list[tuple]]:
    """The SELECT `model.objects.select_for_update(of=("self",)).filter(pk__in=…,
    facility_id__in=…).order_by("pk")` sends, with its arrays bound as two parameters; the
    attribute names in column order; and (position, column, converters) for each column the
    ORM converts (the backend's converters, then the field's, as the compiler applies them)."""
    db = connections[alias]
    quote = db.ops.quote_name
    meta = model._meta
    table = str(meta.db_table)
    pk = meta.pk
    assert pk is not None
    names, columns, converts = [], [], []
    for position, column_field in enumerate(meta.concrete_fields):
        selected, (col, converters) = column_read(db, table, column_field)
        if converters == [getattr(column_field, "from_db_value", None)] and (
            isinstance(column_field, JSONField) and column_field.decoder is None
        ):
            converters = [_json_read(converters[0])]
        if converters:
            converts.append((position, col, converters))
        names.append(column_field.attname)
        columns.append(selected)
    key = f"{quote(table)}.{quote(str(pk.column))}"
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(table)}"
        f" WHERE ({key} = ANY(%s) AND {quote(table)}.{quote('facility_id')} = ANY(%s))"
        f" ORDER BY {key} ASC FOR UPDATE OF {quote(table)}"
    )
    return sql, names, converts


def _json_read(convert: Callable) -> Callable:
    """A JSON column's converter (JSONField.from_db_value, no decoder of its own) that reads
    an empty object or array without the json module: what it answers for them, a new one
    each time. A push locks tasks still open, whose details and history are mostly empty."""

    def read(value: Any, expression: Any, connection: Any) -> Any:
        if value == "{}":
            return {}
        if value == "[]":
            return []
        return convert(value, expression, connection)

    return read


def locked_instances(
    model: type[M], pks: Collection[Any], facility_ids: Collection[Any]
) -> list[M]:
    """The rows of `model` with these keys in these facilities, locked for this transaction,
    in key order, as model instances: what the ORM's select_for_update would return.

    A push locks hundreds of rows at once: the ORM spent twice the statement's time on its
    per-row machinery (the compiler's row iterator, `Model.__init__` and its signals). Here
    each row becomes an instance directly (its values converted as the ORM converts them);
    a model with init-signal listeners, or another database than PostgreSQL, takes the ORM."""
    alias = model._default_manager.db
    db = connections[alias]
    if (
        db.vendor != "postgresql"
        or signals.pre_init.has_listeners(model)
        or signals.post_init.has_listeners(model)
    ):
        return list(
            model._default_manager.select_for_update(of=("self",))
            .filter(pk__in=list(pks), facility_id__in=list(facility_ids))
            .order_by("pk")
        )
    sql, names, converts = _locking_read(model, alias)
    with db.cursor() as cursor:
        adapters = cursor.cursor.adapters  # this cursor's own: the connection's are untouched
        oid = adapters.types["timestamptz"].oid
        adapters.register_loader(oid, _utc_loader(adapters.get_loader(oid, Format.TEXT)))
        cursor.execute(sql, [list(pks), list(facility_ids)])
        rows = cursor.fetchall()
    out = []
    new = model.__new__
    for row in rows:
        values = list(row)
        for position, col, converters in converts:
            value = values[position]
            for convert in converters:
                value = convert(value, col, db)
            values[position] = value
        obj = new(model)
        state = ModelState()
        state.adding = False
        state.db = alias
        attrs = obj.__dict__
        attrs.update(zip(names, values, strict=True))
        attrs["_state"] = state
        out.append(obj)
    return out


def keys_taken(model: type[Model], pks: Collection[Any]) -> set[Any]:
    """Which of these primary keys `model`'s table holds already: one statement with the keys
    as one array (Django's `IN` binds and quotes each of them, 500 for a push of notes)."""
    if not pks:
        return set()
    db = connections[model._default_manager.db]
    if db.vendor != "postgresql":
        return set(model._default_manager.filter(pk__in=list(pks)).values_list("pk", flat=True))
    quote = db.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    column = quote(str(pk.column))
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {quote(str(model._meta.db_table))} WHERE {column} = ANY(%s)",
            [list(pks)],
        )
        return {row[0] for row in cursor.fetchall()}


@cache
def _utc_loader(base: type) -> type:
    """`base` (the connection's timestamptz loader: Django's, in Python) with a shortcut for
    what a UTC session sends: a time at offset +00 is read by `datetime.fromisoformat` (C),
    then given the tzinfo `base` gives (Django's `timezone`). Anything else (another offset
    or session time zone, infinity, BC, a year past 9999) goes to `base` as before. A push
    reads 1,500 timestamps of the tasks it completes."""

    class UtcLoader(base):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            zone = getattr(self, "_timezone", None)
            self._utc = zone is UTC or getattr(zone, "key", None) in ("UTC", "Etc/UTC")

        def load(self, data: Any) -> datetime:
            if self._utc:
                try:
                    value = datetime.fromisoformat(bytes(data).decode())
                except ValueError:
                    value = None
                if value is not None and value.tzinfo is UTC:
                    # Django's loader gives its own time zone; psycopg's, the session's.
                    return value.replace(tzinfo=getattr(self, "timezone", self._timezone))
            return super().load(data)

    return UtcLoader


@dataclass(slots=True)
class LogRow:
    """An EventLog row before it is written (it also answers duplicates within the call)."""

    id: UUID
    device_id: UUID
    device_seq: int
    user_id: UUID
    name: str
    args: Any
    at: datetime
    hlc: str
    received_at: datetime
    status: str
    code: str
    message: str
    payload_hash: str
    result: dict[str, Any]
    flags: list[str] = field(default_factory=list)
    conflict_id: UUID | None = None
    facility_id: UUID | None = None

    def values(self) -> tuple[Any, ...]:
        return _log_values(self)


LOG_COLUMNS = tuple(LogRow.__dataclass_fields__)
# The columns' values in one C call (a generator of 17 getattr took ~2.5 µs a row).
_log_values = attrgetter(*LOG_COLUMNS)


class Prepared(psycopg.Cursor):
    """psycopg's own cursor (server-side binding), every statement prepared."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        return super().execute(query, params, prepare=True, **kwargs)

    def _send_query_prepared(self, name: bytes, pgq: Any, **kwargs: Any) -> None:
        # psycopg leaves the query unset when it runs a prepared one; Django's query log
        # (DEBUG, tests counting statements) reads it from there.
        self._query = pgq
        super()._send_query_prepared(name, pgq, **kwargs)


def prepared_cursor(conn: Any) -> Any:
    """A cursor whose statements PostgreSQL keeps prepared on this connection, when the
    settings allow it (`prepare_threshold` in OPTIONS; Django's default None: never):
    planning the call's one statement took ~0.2 ms of ~0.4 ms warm, ~0.5 of ~1.2 ms after
    an idle pause (docs/performance.md, "No-op: a leaner client, a prepared statement").
    Django's wrapper all the same: its execute wrappers and query log see the statement."""
    if (
        conn.vendor != "postgresql"
        or conn.settings_dict["OPTIONS"].get("prepare_threshold") is None
    ):
        return conn.cursor()
    conn.close_if_health_check_failed()
    conn.ensure_connection()
    with conn.wrap_database_errors:
        return conn._prepare_cursor(Prepared(conn.connection))
