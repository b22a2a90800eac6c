"""Resident events: `resident.update` (field-level merge) and `resident.transfer`
(to hospital, on leave, back, discharged, deceased) with what it does to the tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal, get_args
from uuid import UUID

from django.utils.translation import gettext, gettext_lazy
from pydantic import BaseModel, ConfigDict, Field, model_validator

from server.accounts.models import Membership
from server.care.access import MOVES_KEY, NOT_FOUND, load_in_scope, move_of, resident_moves
from server.care.models import Area, Resident, ResidentCategory, ResidentTransfer, TaskInstance
from server.care.resident_rules import (
    FieldEdit,
    event_stamp,
    may_edit_residents,
    next_move_at,
    resident_fields_merge,
    status_at,
    task_status_on_move,
)
from sync.protocol import EventArgs, judged_at
from sync.registry import Decision, HandlerContext, Rejected, register
from sync.types import conflict_about, emit

FORBIDDEN = gettext_lazy(
    "Chỉ y tế hoặc quản lý mới được sửa thông tin và tình trạng của đối tượng."
)
CONCURRENT = gettext_lazy(
    "Hai người cùng sửa một thông tin của đối tượng; bản sửa sau được giữ, bản kia chờ quản lý xem."
)
Category = Literal[
    "lonely_elderly", "child", "disability", "psychiatric", "agent_orange", "emergency"
]
# The wire accepts exactly the model's categories (Nghị định 20/2021, 103/2017).
assert set(get_args(Category)) == set(ResidentCategory.values)

# What a transfer does to other apps' records, run after its own writes with (ctx, resident,
# new status, when, when the next known move ends this one): server/meds/apps.py adds the
# check of doses recorded while the resident turns out to have been away. A hook answers
# the transfer with a Decision (a conflict it opened) or None; care imports none of them.
TransferHook = Callable[[HandlerContext, Resident, str, datetime, datetime | None], Decision | None]
TRANSFER_HOOKS: list[TransferHook] = []


class ResidentFields(BaseModel):
    # Unknown or server-owned fields (status, facility_id, version) are refused outright.
    model_config = ConfigDict(extra="forbid")

    full_name: str = Field(default="", min_length=1, max_length=200)
    room: str = Field(default="", max_length=40)
    area_id: UUID | None = None
    diet_note: str = Field(default="", max_length=300)
    categories: list[Category] = Field(default_factory=list, min_length=1)
    primary_category: Category = "lonely_elderly"
    severe_disability: bool = False

    @model_validator(mode="after")
    def something_to_change(self) -> ResidentFields:
        if not self.model_fields_set:
            raise ValueError("fields must name at least one field")
        if "area_id" in self.model_fields_set and self.area_id is None:
            raise ValueError("area_id cannot be empty")
        return self


class ResidentUpdateArgs(EventArgs):
    resident_id: UUID
    base_version: int = Field(ge=0)
    fields: ResidentFields


def _load_for_edit(ctx: HandlerContext, resident_id: UUID) -> tuple[Resident, Membership]:
    resident, membership = load_in_scope(ctx, Resident, resident_id, for_update=True)
    if not may_edit_residents(membership.role):
        raise Rejected("forbidden", FORBIDDEN)
    ctx.facility_id = resident.facility_id
    return resident, membership


@register("resident.update", ResidentUpdateArgs)
def resident_update(ctx: HandlerContext, args: ResidentUpdateArgs) -> Decision:
    resident, _ = _load_for_edit(ctx, args.resident_id)
    if args.base_version > resident.version:
        raise Rejected(
            "invalid_args",
            gettext("Phiên bản gốc lớn hơn phiên bản hiện có."),
            details=[{"field": "base_version", "message": "ahead of the stored version"}],
        )
    incoming = args.fields.model_dump(mode="json", include=args.fields.model_fields_set)
    if "area_id" in incoming:
        _care_area_check(resident, UUID(incoming["area_id"]))
    current = {
        "full_name": resident.full_name,
        "room": resident.room,
        "area_id": str(resident.area_id),
        "diet_note": resident.diet_note,
        "categories": resident.categories,
        "primary_category": resident.primary_category,
        "severe_disability": resident.severe_disability,
    }
    by = str(ctx.user.pk)
    stamp = event_stamp(hlc=ctx.event.hlc, at=judged_at(ctx), node=str(ctx.device_id))
    merge = resident_fields_merge(
        current=current,
        edits={k: FieldEdit.parse(v) for k, v in resident.field_hlc.items()},
        incoming=incoming,
        base_version=args.base_version,
        stamp=stamp,
        by=by,
    )
    old_area = resident.area_id
    if merge.apply:
        resident.version += 1
        for name, value in merge.apply.items():
            setattr(
                resident,
                "area_id" if name == "area_id" else name,
                UUID(value) if name == "area_id" else value,
            )
            resident.field_hlc[name] = FieldEdit(
                stamp, resident.version, by, str(ctx.event.id)
            ).wire()
        resident.save()
        emit(ctx, resident)
        if resident.area_id != old_area:
            _follow_area(ctx, resident)
    if merge.clashes:
        conflict_about(
            ctx,
            resident,
            kind="concurrent_edit",
            area_id=resident.area_id,
            other_event_ids=sorted({c.other_event for c in merge.clashes if c.other_event}),
            details={
                "fields": [
                    {
                        "field": c.field,
                        "kept": c.kept,
                        "lost": c.lost,
                        "kept_by": c.kept_by,
                        "lost_by": c.lost_by,
                    }
                    for c in merge.clashes
                ]
            },
            message=CONCURRENT,
        )
        return Decision(status="conflict", code="concurrent_edit", message=CONCURRENT)
    return Decision(status="applied" if merge.apply else "merged")


def _care_area_check(resident: Resident, area_id: UUID) -> None:
    """Residents live in care areas only: whoever works in a kitchen or vehicle area would
    otherwise see them and their orders. Another centre's area is simply not found."""
    kind = Area.objects.filter(id=area_id, facility_id=resident.facility_id).values_list(
        "kind", flat=True
    )
    if not kind:
        raise Rejected("not_found", NOT_FOUND)
    if kind[0] != Area.Kind.CARE:
        raise Rejected(
            "not_care_area",
            gettext("Đối tượng chỉ được xếp vào khu nuôi dưỡng."),
            details=[{"field": "fields.area_id", "message": f"area kind {kind[0]}"}],
        )


def _follow_area(ctx: HandlerContext, resident: Resident) -> None:
    """A resident moved to another area: her open tasks move with her, so the carers of
    the new area get them (and her orders, which are pulled by the resident's area)."""
    for task in TaskInstance.objects.select_for_update().filter(
        resident=resident, status__in=["pending", "away"]
    ):
        task.area_id = resident.area_id
        task.version += 1
        task.save()
        emit(ctx, task)
    for order in resident.med_orders.filter(active=True):
        emit(ctx, order)


class ResidentTransferArgs(EventArgs):
    resident_id: UUID
    status: Literal["in_hospital", "on_leave", "present", "discharged", "deceased"]
    place: str = Field(default="", max_length=200)
    reason: str = Field(default="", max_length=300)
    escort_id: UUID | None = None


@register("resident.transfer", ResidentTransferArgs)
def resident_transfer(ctx: HandlerContext, args: ResidentTransferArgs) -> Decision:
    resident, _ = _load_for_edit(ctx, args.resident_id)
    if (
        args.escort_id
        and not Membership.objects.filter(
            user_id=args.escort_id, facility_id=resident.facility_id, active=True
        ).exists()
    ):
        raise Rejected("not_found", gettext("Không tìm thấy người đi kèm trong trung tâm."))
    at = judged_at(ctx)
    moves = resident_moves(ctx, resident)
    before = status_at(moves, current=resident.status, at=at)
    # Stored even when it changes nothing we know of: a return that syncs before the
    # departure it ends must still bound that departure's period when it arrives.
    transfer = ResidentTransfer.objects.create(
        facility_id=resident.facility_id,
        resident=resident,
        previous_status=before,
        by=ctx.user,
        at=at,
        event_id=ctx.event.id,
        **args.given("status", "place", "reason", "escort_id"),
    )
    end = next_move_at(moves, at=at)
    # The resident's status is the latest move by its own time: a late-arriving older
    # transfer is stored and applied to its period, but does not override a newer one.
    move = move_of(transfer)
    latest = max([*moves, move], key=lambda m: (m.at, m.key))
    if latest is move and (resident.status, resident.status_place) != (args.status, args.place):
        resident.status, resident.status_place = args.status, args.place
        resident.version += 1
        resident.save()
        emit(ctx, resident)
    tasks = TaskInstance.objects.select_for_update().filter(resident=resident, due_at__gte=at)
    if end is not None:
        tasks = tasks.filter(due_at__lt=end)
    for row in tasks.order_by("due_at"):
        # The call's shared instance if a preloader holds one, so later events see this write.
        task = ctx.preloaded(TaskInstance, row.pk) or row
        new = task_status_on_move(
            task_status=task.status,
            set_by_person=task.done_event is not None,
            new_status=args.status,
        )
        if new is None:
            continue
        task.status = new
        task.version += 1
        task.save()
        emit(ctx, task)
    outcome: Decision | None = None
    for hook in TRANSFER_HOOKS:
        decided = hook(ctx, resident, args.status, at, end)
        outcome = outcome or decided
    ctx.batch[MOVES_KEY][resident.id].append(move)  # last: every write of this event is done
    if outcome is not None:
        return outcome
    if before == args.status:
        return Decision(status="merged", code="already_in_status")  # a confirmation
    return Decision(status="applied")
