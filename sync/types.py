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
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sync.registry import HandlerContext, PendingChange

FACILITY = "facility"
AREA = "area"
STAFF = "staff"

Void = Callable[[HandlerContext, Any, str], None]


def _own_area(obj: Any, cache: dict) -> UUID | None:
    return getattr(obj, "area_id", None)


def _version(obj: Any) -> int:
    return getattr(obj, "version", 1)


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


def declare(synced: SyncedType) -> SyncedType:
    known = _types.get(synced.name)
    if known is not None and known != synced:
        raise RuntimeError(f"synced type {synced.name!r} declared twice")
    if known is None:
        _types[synced.name] = synced
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
    return frozenset(t.name for t in _types.values() if t.scope == scope)


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
