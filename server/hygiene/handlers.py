"""Hygiene events: disinfection.record (docs/domain.md) and vehicle.trip (disinfect after every
food trip, docs/domain.md)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext
from pydantic import AwareDatetime, Field

from server.care.access import area_in_scope, load_in_scope, my_memberships
from server.care.completion import (
    CONFLICT_MESSAGES,
    CompletionRequest,
    task_complete_apply,
)
from server.care.models import Area, TaskInstance
from server.hygiene.models import DisinfectionRecord, VehicleTrip
from server.hygiene.rules import DilutionError, disinfection_assess
from server.kitchen.access import kitchen_area_id
from server.kitchen.fields import rounded
from sync.protocol import EventArgs, judged_at
from sync.registry import Decision, HandlerContext, Rejected, register
from sync.types import emit

# Which area kinds each target may name.
TARGET_KINDS = {"area": {"care", "other"}, "vehicle": {"vehicle"}, "kitchen": {"kitchen"}}


def _area_in_scope(ctx: HandlerContext, area_id: UUID) -> Area:
    return area_in_scope(ctx, area_id)[0]


def _filed_in(area: Area) -> dict[str, Any]:
    """A hygiene row (a round, a trip, the task it owes) is filed in an area, and so in the
    area's facility."""
    return {"facility": area.facility, "area": area}


def _kitchen_area(ctx: HandlerContext, facility_id: UUID | None) -> Area:
    """target=kitchen without area_id: the kitchen of the user's (only) facility."""
    if facility_id is None:
        mine = my_memberships(ctx)
        if len(mine) != 1:
            raise Rejected(
                "invalid_args",
                gettext("Cần chọn khu bếp (area_id)."),
                details=[{"field": "area_id", "message": "required"}],
            )
        facility_id = mine[0].facility_id
    area_id = kitchen_area_id(facility_id, ctx.batch)
    if area_id is None:
        raise Rejected("not_found", gettext("Trung tâm chưa khai báo khu bếp."))
    return _area_in_scope(ctx, area_id)


class DisinfectionRecordArgs(EventArgs):
    record_id: UUID
    target: Literal["area", "vehicle", "kitchen"]
    area_id: UUID | None = None
    chemical: str = Field(default="Cloramin B", min_length=1, max_length=100)
    concentration_pct: rounded(4, gt=0, le=99)  # type: ignore[valid-type]
    product_strength_pct: rounded(2, gt=0, le=100) | None = None  # type: ignore[valid-type]
    grams: rounded(1, ge=0, le=100000) | None = None  # type: ignore[valid-type]
    litres: rounded(2, ge=Decimal("0.01"), le=100000) | None = None  # type: ignore[valid-type]
    method: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=2000)
    task_id: UUID | None = None
    facility_id: UUID | None = None


@register("disinfection.record", DisinfectionRecordArgs)
def disinfection_record(ctx: HandlerContext, args: DisinfectionRecordArgs) -> Decision:
    """Append-only. Records what was mixed and what it means in active chlorine, under the
    facility's reading of "%"; optionally completes the disinfection task it answers."""
    if args.area_id is not None:
        area = _area_in_scope(ctx, args.area_id)
    elif args.target == "kitchen":
        area = _kitchen_area(ctx, args.facility_id)
    else:
        raise Rejected(
            "invalid_args",
            gettext("Cần chọn khu hoặc xe được khử khuẩn."),
            details=[{"field": "area_id", "message": "required for this target"}],
        )
    if area.kind not in TARGET_KINDS[args.target]:
        raise Rejected(
            "invalid_args",
            gettext("Khu đã chọn không khớp với loại khử khuẩn."),
            details=[
                {"field": "area_id", "message": f"area kind {area.kind} for target {args.target}"}
            ],
        )
    facility = area.facility
    ctx.facility_id = facility.id
    task = None
    if args.task_id is not None:
        task, _ = load_in_scope(ctx, TaskInstance, args.task_id, for_update=True)
        if task.kind != "disinfection" or task.area_id != area.id:
            raise Rejected(
                "invalid_args",
                gettext("Việc đã chọn không phải khử khuẩn của khu này."),
                details=[{"field": "task_id", "message": "not a disinfection task of this area"}],
            )
    if DisinfectionRecord.objects.filter(id=args.record_id).exists():
        raise Rejected("duplicate_record", gettext("Lượt khử khuẩn với mã này đã được ghi."))
    strength = (
        args.product_strength_pct
        if args.product_strength_pct is not None
        else Decimal(str(facility.setting("chlorine_product_strength_pct")))
    )
    basis = facility.setting("chlorine_basis")
    try:
        assessed = disinfection_assess(
            concentration_pct=args.concentration_pct,
            basis=basis,
            product_strength_pct=strength,
            grams=args.grams,
            litres=args.litres,
            tolerance_pct=Decimal(str(facility.setting("chlorine_mismatch_tolerance_pct"))),
        )
    except DilutionError as exc:
        raise Rejected(
            "invalid_args",
            gettext("Số gam và số lít không hợp lý."),
            details=[{"field": "grams", "message": str(exc)}],
        ) from exc
    # How the mix was read: under the facility's "%", with the product strength it assumed.
    reading = {
        "basis": basis,
        "product_strength_pct": strength,
        "active_chlorine_pct": assessed.active_chlorine_pct,
        "flags": list(assessed.flags),
    }
    record = DisinfectionRecord.objects.create(
        id=args.record_id,
        task=task,
        by=ctx.user,
        at=judged_at(ctx),
        **reading,
        **args.given(
            "target", "chemical", "grams", "litres", "concentration_pct", "method", "note"
        ),
        **_filed_in(area),
    )
    ctx.flag(*assessed.flags)
    emit(ctx, record)
    if task is None:
        return Decision(status="applied")
    result, kind = task_complete_apply(
        ctx,
        task,
        CompletionRequest(
            outcome="done",
            details={
                "record_id": str(record.id),
                "active_chlorine_pct": float(assessed.active_chlorine_pct or 0),
            },
        ),
    )
    if result == "conflict":
        return Decision(status="conflict", code=kind, message=CONFLICT_MESSAGES[kind])
    if result == "merged":
        ctx.flag("task_already_done")
    return Decision(status="applied")


class VehicleTripArgs(EventArgs):
    trip_id: UUID
    area_id: UUID
    returned_at: AwareDatetime
    note: str = Field(default="", max_length=300)


def trip_task_id(trip_id: UUID) -> UUID:
    """Deterministic, so the phone can show the pending disinfection before it syncs."""
    return uuid.uuid5(trip_id, "vehicle-disinfection")


@register("vehicle.trip", VehicleTripArgs)
def vehicle_trip(ctx: HandlerContext, args: VehicleTripArgs) -> Decision:
    """A food vehicle is back: record the trip and make its disinfection due now."""
    area = _area_in_scope(ctx, args.area_id)
    if area.kind != Area.Kind.VEHICLE:
        raise Rejected(
            "invalid_args",
            gettext("Khu đã chọn không phải xe chở thức ăn."),
            details=[{"field": "area_id", "message": "not a vehicle"}],
        )
    ctx.facility_id = area.facility_id
    existing = VehicleTrip.objects.filter(id=args.trip_id).first()
    if existing is not None:
        if existing.area_id == area.id and existing.returned_at == judged_at(ctx, args.returned_at):
            return Decision(status="merged")
        raise Rejected(
            "duplicate_record", gettext("Chuyến xe với mã này đã được ghi với nội dung khác.")
        )
    returned_at = judged_at(ctx, args.returned_at)
    within = timedelta(minutes=area.facility.setting("vehicle_disinfection_within_minutes"))
    local = timezone.localtime(returned_at)
    task, _ = TaskInstance.objects.get_or_create(
        id=trip_task_id(args.trip_id),
        defaults={
            **_filed_in(area),
            "kind": "disinfection",
            "title": f"Khử khuẩn {area.name} sau chuyến",
            "local_date": local.date(),
            "slot": local.strftime("%H:%M"),
            "due_at": returned_at,
            "window_start": returned_at,
            "window_end": returned_at + within,
            "details": {"trip_id": str(args.trip_id)},
        },
    )
    trip = VehicleTrip.objects.create(
        id=args.trip_id,
        returned_at=returned_at,
        task=task,
        note=args.note,
        by=ctx.user,
        at=judged_at(ctx),
        **_filed_in(area),
    )
    emit(ctx, task)
    emit(ctx, trip)
    return Decision(status="applied")
