"""Server-side writes that phones must see: turn saved rows into change-log entries.

Sync handlers emit through their HandlerContext; everything else that changes a synced
row (admin, seeding, the task horizon, the missed sweep) calls `publish` in the same
transaction, so a phone can never miss an edit made on the server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from django.db.models import Model

from sync.registry import PendingChange
from sync.service import changes_record

# model label -> (change type, data function, area-id function)
_PUBLISHERS: dict[str, tuple[str, Callable[[Any], dict], Callable[[Any], UUID | None]]] = {}


def publisher(
    label: str,
    type_: str,
    *,
    area: Callable[[Any], UUID | None] = lambda o: getattr(o, "area_id", None),
):
    def decorator(fn: Callable[[Any], dict]) -> Callable[[Any], dict]:
        _PUBLISHERS[label] = (type_, fn, area)
        return fn

    return decorator


def pending_change(obj: Model, *, op: str = "upsert") -> PendingChange:
    type_, data_fn, area_fn = _PUBLISHERS[obj._meta.label]
    facility_id = obj.pk if type_ == "facility" else obj.facility_id  # type: ignore[attr-defined]
    return PendingChange(
        facility_id=facility_id,
        type=type_,
        record_id=obj.pk,
        data=data_fn(obj) if op == "upsert" else {},
        area_id=area_fn(obj),
        op=op,
        version=getattr(obj, "version", 1),
    )


def publish(
    objects: Iterable[Model], *, op: str = "upsert", origin_device: UUID | None = None
) -> None:
    changes_record([pending_change(o, op=op) for o in objects], origin_device=origin_device)


def _register_care() -> None:
    from server.care import serializers as s

    publisher("care.Facility", "facility", area=lambda o: None)(s.facility_data)
    publisher("care.Area", "area", area=lambda o: None)(s.area_data)
    publisher("care.Resident", "resident")(s.resident_data)
    publisher("care.TaskInstance", "task")(s.task_data)
    publisher("care.Note", "note")(s.note_data)


_register_care()
