"""Synced types: one declaration per change type, from which everything else is derived.

Each app declares the records phones hold in its `sync.py` (`server/<app>/sync.py`; the
engine's own `conflict` in `sync/conflicts.py`):

    declare(SyncedType("food_check", FoodCheck, food_check_data, scope="kitchen",
                       area=kitchen_area, dashboard=(), void=void_standard))

and the engine derives from it what used to be written by hand in several places that had
to agree: the change a handler emits (`emit(ctx, record)`), the changes of a server-side
write (`publish(objects)`), who may pull the type (`types_in_scope`, read by the pull filter
`sync/changes.py` and the socket pokes), the fields the live dashboard reads (`dashboard`),
and whether and how `record.void` voids it.

Scopes (who may pull a type, on top of being a member of the record's facility):
- "facility": everyone of the facility (the change carries no area);
- "area": the members of the record's area, and the facility-wide roles; a record of no
  area (a conflict about the whole facility) goes to everyone;
- "staff": the facility-wide roles only (nurses, managers), whatever the record's area;
- any other name is an audience: like "area", and the scope provider may open all the
  types of that audience facility-wide to a role (`ScopeEntry.extra_types`), e.g. the kitchen
  staff see every "kitchen" record.

A type's `data` is usually a row's fields as they travel (`fields_data`, docs/care-events.md,
"Change types"): the wire form is the same for every record type: ids as strings, dates and
times in ISO 8601, decimals as JSON numbers, everything else as stored. A serializer names the
fields it sends, in order, separated by spaces (as `namedtuple` takes them); a link sends its
id (`by` sends the `by_id` value), and a name that is not a field (a property, such as a
dose's `void`) is read as it is.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache as per_model
from functools import lru_cache, partial
from typing import Any
from uuid import UUID

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from sync.registry import HandlerContext, PendingChange

FACILITY = "facility"
AREA = "area"
STAFF = "staff"

Void = Callable[[HandlerContext, Any, str], None]

# How a row becomes a change's `data`: `fields_data(names)`, or `row_data` in a type's own
# serializer (the module docstring says the wire form).


@lru_cache(maxsize=4096)
def _uuid_text(value: uuid.UUID) -> str:
    # A push serializes every task it completes: the facility, area, resident, routine and
    # carer ids repeat across them, and UUID.__str__ is Python code (~1 µs each).
    return str(value)


# Exact types answered by one lookup (a push serializes ~17 fields per completed task);
# subclasses and anything else take the isinstance path below.
_AS_IS = frozenset({str, int, float, bool, type(None), dict, list})
_CONVERT: dict[type, Callable[[Any], Any]] = {
    uuid.UUID: _uuid_text,
    datetime: datetime.isoformat,
    date: date.isoformat,
    Decimal: float,
}


def wire_value(value: Any) -> Any:
    kind = type(value)
    if kind in _AS_IS:
        return value
    convert = _CONVERT.get(kind)
    if convert is not None:
        return convert(value)
    if isinstance(value, uuid.UUID):
        return _uuid_text(value)
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


@per_model
def _reads(model: type[models.Model], names: str) -> tuple[tuple[str, str, bool], ...]:
    """(key, attribute, is a decimal) per name, looked up once per model and list, not per row."""
    reads = []
    for name in names.split():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if isinstance(field, models.Field):
            reads.append((name, field.attname, isinstance(field, models.DecimalField)))
        else:
            reads.append((name, name, False))
    return tuple(reads)


def row_data(row: models.Model, names: str) -> dict[str, Any]:
    out = {}
    # A loaded column's value is in the instance's dict, where its descriptor would read it
    # (a link's id through a Python __get__): read there; anything else through getattr.
    held = row.__dict__
    for name, attname, decimal in _reads(type(row), names):
        value = held[attname] if attname in held else getattr(row, attname)
        if decimal and value is not None:
            value = float(value)  # a row not read back may still hold the int it was given
        out[name] = wire_value(value)
    return out


def fields_data(names: str) -> Callable[[models.Model], dict[str, Any]]:
    """A change type's `data` that is just these fields of the row (`row_data`)."""
    return partial(row_data, names=names)


def _own_area(obj: Any, cache: dict) -> UUID | None:
    return getattr(obj, "area_id", None)


def _version(obj: Any) -> int:
    return getattr(obj, "version", 1)


def void_version(obj: Any) -> int:
    """The version of a record that keeps none but may be voided once (a note, a dose): 1,
    then 2, so a phone holding the record takes its voided state."""
    return 2 if obj.void else 1


def area_of_link(link: str) -> Callable[[Any, dict], UUID | None]:
    """A type's `area` when its records take the area of the record a link names (a dose
    and a medication order are filed where their resident lives)."""

    def area(obj: Any, cache: dict) -> UUID | None:
        return getattr(obj, link).area_id

    return area


def _facility(obj: Any) -> UUID:
    return obj.facility_id


@dataclass(frozen=True)
class SyncedType:
    name: str
    model: type
    # The change's `data` (the wire shape, docs/protocol.md): data(record, **extra).
    data: Callable[..., dict[str, Any]]
    scope: str = AREA
    # The record's area: area(record, cache), `cache` lives for one call (ctx.batch in a
    # handler). Ignored for the "facility" and "staff" scopes, whose changes carry none.
    area: Callable[[Any, dict], UUID | None] = _own_area
    # The fields of `data` the live dashboard reads; empty: the type only says who acted.
    dashboard: tuple[str, ...] = ()
    # How `record.void` voids it (`void_standard`, or the type's own); None: not voidable.
    void: Void | None = None
    # Roles allowed to void it beyond its own author; None: the domain's default (record.void
    # in server/care/void.py: the engine names no roles).
    void_roles: frozenset[str] | None = None
    version: Callable[[Any], int] = _version
    facility: Callable[[Any], UUID] = _facility

    def area_of(self, obj: Any, cache: dict) -> UUID | None:
        return None if self.scope in (FACILITY, STAFF) else self.area(obj, cache)

    def change(
        self, obj: Any, *, op: str = "upsert", cache: dict | None = None, **extra: Any
    ) -> PendingChange:
        return PendingChange(
            facility_id=self.facility(obj),
            type=self.name,
            record_id=obj.pk,
            data=self.data(obj, **extra) if op == "upsert" else {},
            area_id=self.area_of(obj, {} if cache is None else cache),
            op=op,
            version=self.version(obj),
        )


_types: dict[str, SyncedType] = {}
_by_model: dict[str, SyncedType] = {}
_declared_in: dict[str, str] = {}
# scope -> its types, made on first ask after a declaration: the pokes of a push ask once
# per change (`staff_only`), and a walk of every declared type each time cost ~3 µs.
_in_scope: dict[str, frozenset[str]] = {}


def declare(synced: SyncedType) -> SyncedType:
    known = _types.get(synced.name)
    if known is not None and known != synced:
        raise RuntimeError(f"synced type {synced.name!r} declared twice")
    if known is None:
        _types[synced.name] = synced
        _in_scope.clear()
        _by_model[synced.model._meta.label] = synced  # type: ignore[attr-defined]
        _declared_in[synced.name] = sys._getframe(1).f_globals.get("__file__", "")
    return synced


def synced(name: str) -> SyncedType | None:
    return _types.get(name)


def synced_of(obj: Any) -> SyncedType:
    return _by_model[obj._meta.label]


def is_synced(model: type) -> bool:
    return model._meta.label in _by_model  # type: ignore[attr-defined]


def all_types() -> list[SyncedType]:
    return [_types[name] for name in sorted(_types)]


def declared_in(name: str) -> str:
    return _declared_in[name]


def types_in_scope(scope: str) -> frozenset[str]:
    names = _in_scope.get(scope)
    if names is None:
        names = _in_scope[scope] = frozenset(t.name for t in _types.values() if t.scope == scope)
    return names


def staff_only(change: PendingChange) -> bool:
    """Only the facility-wide roles may see this change: a "staff" type, or a conflict about
    one (mirrors the pull filter, `sync/changes.py`, for the pokes)."""
    staff = types_in_scope(STAFF)
    return change.type in staff or (
        change.type == "conflict" and change.data.get("subject_type") in staff
    )


def voidable_types() -> list[str]:
    return sorted(t.name for t in _types.values() if t.void is not None)


def emit(ctx: HandlerContext, obj: Any, **extra: Any) -> None:
    """Send a record's current state from a handler (`extra` goes to the type's `data`)."""
    ctx.emit_change(synced_of(obj).change(obj, cache=ctx.batch, **extra))


def conflict_about(ctx: HandlerContext, record: Any, **conflict: Any) -> UUID:
    """`ctx.open_conflict` about a synced record: the conflict's subject type, subject id and
    facility are the record's type name, id and facility (its area is the caller's to say)."""
    synced = synced_of(record)
    return ctx.open_conflict(
        facility_id=synced.facility(record),
        subject_type=synced.name,
        subject_id=record.pk,
        **conflict,
    )


def publish(
    objects: Iterable[Any], *, op: str = "upsert", origin_device: UUID | None = None
) -> None:
    """Server-side writes that phones must see (admin, seeding, the task horizon, the
    missed sweep): call it in the transaction that wrote the rows, so they commit together."""
    from sync.service import changes_record

    cache: dict = {}
    changes = [synced_of(o).change(o, op=op, cache=cache) for o in objects]
    changes_record(changes, origin_device=origin_device)


def void_standard(ctx: HandlerContext, record: Any, reason: str) -> None:
    """The void of a record that keeps its own `void` and `void_reason`: marked, its version
    moved on (so phones keep this state), saved, emitted."""
    record.void = True
    record.void_reason = reason
    fields = ["void", "void_reason"]
    if hasattr(record, "version"):
        record.version += 1
        fields.append("version")
    record.save(update_fields=fields)
    emit(ctx, record)
