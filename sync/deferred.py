"""Deferred row updates for the fast push mode (`HandlerContext.save_later`).

A push of 500 completions would otherwise send 500 single-row UPDATEs (and a push of 500
notes 500 INSERTs: `create_later` defers new rows the same way, written by one COPY
(PostgreSQL) or `bulk_create` per model before the updates). A handler that
changed an instance it holds locked can instead hand it over with `ctx.save_later(obj,
fields)`; the values of `fields` are copied at that moment (what `save(update_fields=...)`
would have written), and the Pusher writes every pending row at once per model and field
list (PostgreSQL: COPY into a temporary table, then one UPDATE ... FROM it).

Nobody can observe the delay: the Pusher's execute wrapper flushes the pending rows before
any other statement runs on the connection (a later handler's SELECT, a conflict's INSERT,
the event log), so every statement sees exactly the rows an immediate save would have
left. The copy is what is written, so an instance changed in memory afterwards by a
handler that then refused changes nothing stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import (
    NOT_PROVIDED,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    Field,
    ForeignKey,
    IntegerField,
    JSONField,
    Model,
    TextField,
    UUIDField,
)

from sync.rows import json_dumps

# Rows per flush statement (COPY on PostgreSQL has no parameter limit).
_BATCH_ROWS = 500


class DeferredWrites:
    def __init__(self) -> None:
        # (model, pk) -> {field name: value}, later deferrals of the same row merged in.
        self.rows: dict[tuple[type[Model], Any], dict[str, Any]] = {}
        # The facility of each row whose model has one: the UPDATE names it beside the key,
        # so that it stays a single-facility statement (docs/performance.md,
        # "Distributing by facility").
        self.facilities: dict[tuple[type[Model], Any], Any] = {}
        # New rows (`create_later`), inserted in the order they were made, before the updates.
        self.new: list[Model] = []
        self.flushing = False
        self.added = 0  # deferrals so far: each counts as a write (see sync/push.py)
        # A handler inside its own atomic block saves at once: a rollback of that savepoint
        # must take its writes with it, and a deferred row would outlive it.
        # The call's own connection (this thread's), not the proxy that finds it on each use.
        self.db = connections[DEFAULT_DB_ALIAS]
        self.depth = len(self.db.savepoint_ids)

    def accepts(self) -> bool:
        return len(self.db.savepoint_ids) == self.depth

    @property
    def pending(self) -> bool:
        return bool(self.rows or self.new)

    def add_new(self, obj: Model) -> None:
        self.added += 1
        self.new.append(obj)

    def add(self, obj: Model, fields: Iterable[str]) -> None:
        model = type(obj)
        reads = _reads(model, tuple(fields))
        self.added += 1
        values = self.rows.setdefault((model, obj.pk), {})
        if _facility_field(model) is not None:
            self.facilities[(model, obj.pk)] = obj.facility_id  # type: ignore[attr-defined]
        for attname, field in reads:
            # What save() would take: the attribute, or the field's own pre_save when it
            # has one (an auto_now date).
            values[attname] = getattr(obj, attname) if field is None else field.pre_save(obj, False)

    def flush(self) -> None:
        if not self.pending or self.flushing:
            return
        self.flushing = True
        try:
            new, self.new = self.new, []
            by_model: dict[type[Model], list[Model]] = {}
            for obj in new:
                by_model.setdefault(type(obj), []).append(obj)
            for model, objs in by_model.items():
                if connection.vendor == "postgresql" and _copyable(model, objs):
                    _insert_by_copy(model, objs)
                else:
                    model._default_manager.bulk_create(objs, batch_size=_BATCH_ROWS)
            groups: dict[tuple[type[Model], tuple[str, ...]], list[tuple[Any, dict]]] = {}
            for (model, pk), values in self.rows.items():
                if (model, pk) in self.facilities:
                    values = {**values, _FACILITY: self.facilities[(model, pk)]}
                groups.setdefault((model, tuple(sorted(values))), []).append((pk, values))
            self.rows = {}
            self.facilities = {}
            for (model, attnames), rows in groups.items():
                for start in range(0, len(rows), _BATCH_ROWS):
                    _update_many(model, attnames, rows[start : start + _BATCH_ROWS])
        finally:
            self.flushing = False


_FACILITY = "facility_id"


@cache
def _facility_field(model: type[Model]) -> Any:
    return next((f for f in model._meta.concrete_fields if f.attname == _FACILITY), None)


@cache
def _reads(model: type[Model], names: tuple[str, ...]) -> tuple[tuple[str, Field | None], ...]:
    """(attname, the field when its pre_save is its own, else None) per name, once per model
    and field list: a push defers hundreds of rows with the same fields."""
    reads = []
    for name in names:
        field = model._meta.get_field(name)
        assert isinstance(field, Field)
        if field.attname == _FACILITY:
            # It is the row's key beside its pk in the UPDATE, never a value it sets.
            raise ValueError("save_later cannot move a row to another facility: use save()")
        plain = type(field).pre_save is Field.pre_save or (
            isinstance(field, DateField) and not (field.auto_now or field.auto_now_add)
        )
        reads.append((field.attname, None if plain else field))
    return tuple(reads)


def _plain(field: Field, types: tuple[type, ...]) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        # The value as the model holds it is what get_db_prep_save would send on PostgreSQL
        # for these types; anything else takes Django's own conversion.
        if value is None or type(value) in types:
            return value
        return field.get_db_prep_save(value, connection)

    return convert


def _aware(field: Field) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if value is None or (type(value) is datetime and value.utcoffset() is not None):
            return value
        return field.get_db_prep_save(value, connection)  # a naive one: Django warns, adapts

    return convert


def _json(field: JSONField) -> Callable[[Any], Any]:
    dumps = json_dumps(field.encoder)

    def convert(value: Any) -> Any:
        if value is None:
            return None  # SQL NULL, as get_db_prep_save sends it
        if type(value) in (dict, list, str, int, float, bool):
            return dumps(value)
        return field.get_db_prep_save(value, connection)

    return convert


def _slow(field: Field) -> Callable[[Any], Any]:
    return lambda value: field.get_db_prep_save(value, connection)


@cache
def _converter(field: Field) -> Callable[[Any], Any]:
    """PostgreSQL's COPY: the value get_db_prep_save would send, without its per-value
    dispatch for the common types (5,500 calls for a push of 500 completions)."""
    target = field.target_field if isinstance(field, ForeignKey) else field
    if isinstance(target, UUIDField):
        return _plain(field, (UUID,))
    if isinstance(target, JSONField):
        return _json(target)
    if isinstance(target, CharField | TextField):
        return _plain(field, (str,))
    if isinstance(target, IntegerField):
        return _plain(field, (int,))
    if isinstance(target, BooleanField):
        return _plain(field, (bool,))
    if isinstance(target, DateTimeField):
        return _aware(field)
    return _slow(field)


def _update_many(
    model: type[Model], attnames: tuple[str, ...], rows: list[tuple[Any, dict]]
) -> None:
    meta = model._meta
    qn = connection.ops.quote_name
    pk_field = meta.pk
    assert pk_field is not None
    fields = [next(f for f in meta.concrete_fields if f.attname == a) for a in attnames]
    table, pk_column = qn(meta.db_table), qn(str(pk_field.column))
    # The facility (when the model has one) is matched, not set: it is the row's own value.
    key = [pk_column] + [qn(_FACILITY) for f in fields if f.attname == _FACILITY]
    set_fields = [f for f in fields if f.attname != _FACILITY]
    # What save() would send: the fields' own conversions (JSON through its encoder, ...).
    ordered = [f for f in fields if f.attname == _FACILITY] + set_fields
    if connection.vendor == "postgresql":
        convert_pk = _converter(pk_field)
        reads = [(f.attname, _converter(f)) for f in ordered]
        copied = [
            [convert_pk(pk)] + [convert(row[name]) for name, convert in reads] for pk, row in rows
        ]
        _update_by_copy(table, key, [qn(str(f.column)) for f in set_fields], copied)
        return
    values = [
        [pk_field.get_db_prep_save(pk, connection)]
        + [f.get_db_prep_save(row[f.attname], connection) for f in ordered]
        for pk, row in rows
    ]
    # Elsewhere (SQLite): UPDATE ... FROM a VALUES list, whose columns a CTE names.
    limit = connection.features.max_query_params or 999
    per_statement = max(1, limit // (len(fields) + 1))
    keys = [f"_k{i}" for i in range(len(key))]
    columns = ", ".join(keys + [f"_{i}" for i in range(len(set_fields))])
    assignments = ", ".join(f"{qn(str(f.column))} = v._{i}" for i, f in enumerate(set_fields))
    match = " AND ".join(f"{table}.{c} = v.{k}" for c, k in zip(key, keys, strict=True))
    row_sql = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(values), per_statement):
            chunk = values[start : start + per_statement]
            cursor.execute(
                f"WITH v ({columns}) AS (VALUES {', '.join([row_sql] * len(chunk))}) "
                f"UPDATE {table} SET {assignments} FROM v WHERE {match}",
                [value for row in chunk for value in row],
            )


def _update_by_copy(table: str, key: list[str], columns: list[str], values: list[list]) -> None:
    """PostgreSQL: COPY the rows into a temporary table shaped like the target's columns,
    then one UPDATE ... FROM it. Binding 11 parameters a row into the SQL text instead
    (Django's client-side cursor quotes each one in Python) cost more than the update.
    `key`: the primary key's column, then the facility's when the table has one."""
    names = ", ".join([*key, *columns])
    match = " AND ".join(f"{table}.{c} = d.{c}" for c in key)
    assignments = ", ".join(f"{c} = d.{c}" for c in columns)
    _through_scratch(
        table,
        names,
        values,
        f"UPDATE {table} SET {assignments} FROM d WHERE {match}",
    )


def _through_scratch(table: str, columns: str, rows: Iterable[list], statement: str) -> None:
    """COPY `rows` into a temporary table shaped like `table`'s `columns`, then run the one
    `statement` that reads them (as `d`), taking them out of the table as it reads them.

    The table is made once per database session and shape, and left empty: by the statement
    (a DELETE ... RETURNING that feeds it, since a call may flush twice), and at each commit
    (`ON COMMIT DELETE ROWS`, which empties its file in place). A table made and dropped per
    call wrote and deleted ~20 catalog rows each time (its columns, its row type, their
    dependencies). `IF NOT EXISTS` makes it again in a session whose transaction that made
    it was rolled back."""
    shape = hashlib.blake2b(f"{table} {columns}".encode(), digest_size=6).hexdigest()
    scratch = f"sync_deferred_{shape}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {scratch} ON COMMIT DELETE ROWS AS "
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        # The raw psycopg cursor: Django's wrapper has no copy().
        with cursor.cursor.copy(f"COPY {scratch} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"WITH d AS (DELETE FROM {scratch} RETURNING *) {statement}")


def _copyable(model: type[Model], objs: list[Model]) -> bool:
    """Rows COPY can insert as bulk_create would: a plain table (no parent model, no
    database-computed column) and every key given (bulk_create would read made ones back)."""
    meta = model._meta
    if meta.parents or any(
        getattr(f, "db_default", None) is not NOT_PROVIDED or getattr(f, "generated", False)
        for f in meta.concrete_fields
    ):
        return False
    return all(obj.pk is not None for obj in objs)


def _insert_by_copy(model: type[Model], objs: list[Model]) -> None:
    """PostgreSQL: the new rows of one model by COPY (Django's bulk_create dumps its UNNEST
    arrays value by value in Python). Values are what bulk_create would send: each field's
    pre_save for an insert, converted as get_db_prep_save would."""
    meta = model._meta
    fields = list(meta.concrete_fields)
    reads = _reads_new(model)
    rows = []
    for obj in objs:
        # Django's check acts only on related instances the row holds (a note given its
        # resident's id holds none): skipped, with its walk of every field, when there are none.
        if obj._state.__dict__.get("fields_cache"):
            obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
        rows.append(
            [
                convert(getattr(obj, attname) if field is None else field.pre_save(obj, True))
                for attname, field, convert in reads
            ]
        )
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    columns = ", ".join(qn(str(f.column)) for f in fields)
    # Through a temporary table, so that the rows still arrive by one INSERT statement
    # (what bulk_create sends, and what a reader of the statement log looks for).
    _through_scratch(
        table,
        columns,
        rows,
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM d",
    )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


@cache
def _reads_new(model: type[Model]) -> tuple[tuple[str, Field | None, Callable[[Any], Any]], ...]:
    reads = []
    for field in model._meta.concrete_fields:
        plain = type(field).pre_save is Field.pre_save or (
            isinstance(field, DateField) and not (field.auto_now or field.auto_now_add)
        )
        reads.append((field.attname, None if plain else field, _converter(field)))
    return tuple(reads)


def create_later(ctx: Any, obj: Model) -> None:
    """`obj.save(force_insert=True)` for a handler (`ctx`: its HandlerContext), possibly
    inserted together with the call's other new rows of that model (one INSERT for a push
    of notes instead of one each). Like `save_later`, nobody can tell: the rows are written
    before any later statement of the call. No save signals are sent for a row inserted
    this way: use it only for models nobody listens to."""
    deferred = getattr(ctx, "deferred", None)
    if deferred is None or not deferred.accepts():
        obj.save(force_insert=True)
    else:
        deferred.add_new(obj)
