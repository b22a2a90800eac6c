"""Deferred row updates for the fast push mode (`HandlerContext.save_later`).

A push of 500 completions would otherwise send 500 single-row UPDATEs. A handler that
changed an instance it holds locked can instead hand it over with `ctx.save_later(obj,
fields)`; the values of `fields` are copied at that moment (what `save(update_fields=...)`
would have written), and the Pusher writes every pending row in one statement per model
and field list.

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

# Rows per statement: PostgreSQL takes 65,535 parameters; SQLite's limit is Django's.
_BATCH_ROWS = 500


class DeferredWrites:
    def __init__(self) -> None:
        # (model, pk) -> {field name: value}, later deferrals of the same row merged in.
        self.rows: dict[tuple[type[Model], Any], dict[str, Any]] = {}
        self.flushing = False
        self.added = 0  # deferrals so far: each counts as a write (see sync/push.py)
        # A handler inside its own atomic block saves at once: a rollback of that savepoint
        # must take its writes with it, and a deferred row would outlive it.
        self.depth = len(connection.savepoint_ids)

    def accepts(self) -> bool:
        return len(connection.savepoint_ids) == self.depth

    def add(self, obj: Model, fields: Iterable[str]) -> None:
        self.added += 1
        meta = obj._meta
        values = self.rows.setdefault((type(obj), obj.pk), {})
        for name in fields:
            field = meta.get_field(name)
            values[field.attname] = field.pre_save(obj, add=False)  # type: ignore[union-attr]

    def flush(self) -> None:
        if not self.rows or self.flushing:
            return
        self.flushing = True
        try:
            groups: dict[tuple[type[Model], tuple[str, ...]], list[tuple[Any, dict]]] = {}
            for (model, pk), values in self.rows.items():
                groups.setdefault((model, tuple(sorted(values))), []).append((pk, values))
            self.rows = {}
            for (model, attnames), rows in groups.items():
                for start in range(0, len(rows), _BATCH_ROWS):
                    _update_many(model, attnames, rows[start : start + _BATCH_ROWS])
        finally:
            self.flushing = False


def _update_many(
    model: type[Model], attnames: tuple[str, ...], rows: list[tuple[Any, dict]]
) -> None:
    """UPDATE t SET f = v.f ... FROM (VALUES ...) v WHERE t.pk = v.pk, on both backends
    (a CTE names the VALUES columns, which SQLite cannot alias otherwise)."""
    meta = model._meta
    qn = connection.ops.quote_name
    pk_field = meta.pk
    assert pk_field is not None
    fields = [next(f for f in meta.concrete_fields if f.attname == a) for a in attnames]
    table, pk_column = qn(meta.db_table), qn(str(pk_field.column))
    casts = [_cast(pk_field)] + [_cast(f) for f in fields]
    row_sql = "(" + ", ".join(f"%s{cast}" for cast in casts) + ")"
    params: list[Any] = []
    for pk, values in rows:
        params.append(pk_field.get_db_prep_save(pk, connection))
        for field in fields:
            params.append(field.get_db_prep_save(values[field.attname], connection))
    columns = ", ".join(["_pk"] + [f"_{i}" for i in range(len(fields))])
    assignments = ", ".join(f"{qn(str(f.column))} = v._{i}" for i, f in enumerate(fields))
    sql = (
        f"WITH v ({columns}) AS (VALUES {', '.join([row_sql] * len(rows))}) "
        f"UPDATE {table} SET {assignments} FROM v WHERE {table}.{pk_column} = v._pk"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _cast(field: Any) -> str:
    """PostgreSQL types the VALUES columns from the placeholders: say what they are. Text
    columns are cast to text, not varchar(n), which would truncate instead of refusing."""
    if connection.vendor != "postgresql":
        return ""
    target = field.target_field if field.is_relation else field
    internal = target.get_internal_type()
    if internal in ("CharField", "TextField", "SlugField", "EmailField", "URLField"):
        return "::text"
    return "::" + target.db_type(connection).split(" CHECK", 1)[0]
