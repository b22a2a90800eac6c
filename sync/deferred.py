"""Deferred row updates for the fast push mode (`HandlerContext.save_later`).

A push of 500 completions would otherwise send 500 single-row UPDATEs (and a push of 500
notes 500 INSERTs: `create_later` defers new rows the same way, written by one
`bulk_create` per model before the updates). A handler that
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

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Model

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
        self.depth = len(connection.savepoint_ids)

    def accepts(self) -> bool:
        return len(connection.savepoint_ids) == self.depth

    @property
    def pending(self) -> bool:
        return bool(self.rows or self.new)

    def add_new(self, obj: Model) -> None:
        self.added += 1
        self.new.append(obj)

    def add(self, obj: Model, fields: Iterable[str]) -> None:
        meta = obj._meta
        fields = list(fields)
        if any(meta.get_field(name).attname == _FACILITY for name in fields):  # type: ignore[union-attr]
            # It is the row's key beside its pk in the UPDATE, never a value it sets.
            raise ValueError("save_later cannot move a row to another facility: use save()")
        self.added += 1
        values = self.rows.setdefault((type(obj), obj.pk), {})
        if _facility_field(type(obj)) is not None:
            self.facilities[(type(obj), obj.pk)] = obj.facility_id  # type: ignore[attr-defined]
        for name in fields:
            field = meta.get_field(name)
            values[field.attname] = field.pre_save(obj, add=False)  # type: ignore[union-attr]

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


def _facility_field(model: type[Model]) -> Any:
    return next((f for f in model._meta.concrete_fields if f.attname == _FACILITY), None)


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
    values = [
        [pk_field.get_db_prep_save(pk, connection)]
        + [f.get_db_prep_save(row[f.attname], connection) for f in ordered]
        for pk, row in rows
    ]
    if connection.vendor == "postgresql":
        _update_by_copy(table, key, [qn(str(f.column)) for f in set_fields], values)
        return
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
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE sync_deferred ON COMMIT DROP AS "
            f"SELECT {names} FROM {table} WITH NO DATA"
        )
        # The raw psycopg cursor: Django's wrapper has no copy().
        with cursor.cursor.copy(f"COPY sync_deferred ({names}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        cursor.execute(f"UPDATE {table} SET {assignments} FROM sync_deferred d WHERE {match}")
        cursor.execute("DROP TABLE sync_deferred")


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
