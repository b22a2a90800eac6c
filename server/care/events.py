"""Care event handlers: task.complete and note.add."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from server.care.access import covers_area, load_in_scope, membership_for
from server.care.models import Note, Resident, TaskInstance
from server.care.rules import Completion, TaskState, task_completion_decide
from server.care.serializers import note_data, task_data
from sync.registry import Decision, HandlerContext, Rejected, register

MESSAGES = {
    "contradictory_outcome": "Việc này đã được người khác ghi với kết quả khác; quản lý trực sẽ xem xét.",
    "resident_away": "Đối tượng đang vắng mặt (nằm viện / về phép); quản lý trực sẽ xem xét.",
}


class TaskCompleteArgs(BaseModel):
    model_config = ConfigDict(extra="allow")

    task_id: UUID
    outcome: Literal["done", "partial", "refused", "skipped", "not_applicable"]
    reason: str = Field(default="", max_length=300)
    note: str = Field(default="", max_length=2000)
    details: dict[str, Any] = Field(default_factory=dict)


def task_emit(ctx: HandlerContext, task: TaskInstance) -> None:
    ctx.emit("task", task.id, task_data(task), facility_id=task.facility_id, area_id=task.area_id,
             version=task.version)


@register("task.complete", TaskCompleteArgs)
def task_complete(ctx: HandlerContext, args: TaskCompleteArgs) -> Decision:
    task, _ = load_in_scope(ctx, TaskInstance, args.task_id, for_update=True)
    ctx.facility_id = task.facility_id
    grace = timedelta(minutes=task.facility.setting("task_grace_minutes"))
    verdict = task_completion_decide(
        TaskState(status=task.status, done_device=task.done_device, window_end=task.window_end),
        Completion(outcome=args.outcome, device=ctx.device_id, at=ctx.event.at),
        grace=grace,
    )
    for flag in verdict.flags:
        ctx.flag(flag)
    if verdict.action == "merge":
        return Decision(status="merged")
    if verdict.action == "conflict":
        ctx.open_conflict(
            kind=verdict.conflict_kind,
            facility_id=task.facility_id,
            area_id=task.area_id,
            subject_type="task",
            subject_id=task.id,
            other_event_ids=[str(task.done_event)] if task.done_event else [],
            details={"current": task.status, "proposed": args.outcome, "by": str(ctx.user.pk),
                     "reason": args.reason},
            message=MESSAGES[verdict.conflict_kind],
        )
        return Decision(status="conflict", code=verdict.conflict_kind, message=MESSAGES[verdict.conflict_kind])
    if verdict.action == "correct":
        task.history = [*task.history, {
            "status": task.status, "by": str(task.done_by_id), "at": task.done_at.isoformat() if task.done_at else None,
            "reason": task.reason, "event": str(task.done_event) if task.done_event else None,
        }]
    task.status = args.outcome
    task.done_by = ctx.user
    task.done_at = ctx.event.at
    task.done_device = ctx.device_id
    task.done_event = ctx.event.id
    task.reason = args.reason
    task.note = args.note
    task.details = args.details
    task.version += 1
    task.save()
    task_emit(ctx, task)
    return Decision(status="applied")


class NoteAddArgs(BaseModel):
    model_config = ConfigDict(extra="allow")

    note_id: UUID
    kind: Literal["handover", "observation", "incident"]
    text: str = Field(min_length=1, max_length=5000)
    resident_id: UUID | None = None
    facility_id: UUID | None = None
    area_id: UUID | None = None


@register("note.add", NoteAddArgs)
def note_add(ctx: HandlerContext, args: NoteAddArgs) -> Decision:
    if Note.objects.filter(id=args.note_id).exists():
        raise Rejected("duplicate_record", "Ghi chú với mã này đã tồn tại.")
    resident = None
    if args.resident_id:
        resident, membership = load_in_scope(ctx, Resident, args.resident_id)
        facility_id, area_id = resident.facility_id, resident.area_id
    else:
        if args.facility_id is None:
            raise Rejected("invalid_args", "Cần chọn đối tượng hoặc trung tâm cho ghi chú.",
                           details=[{"field": "facility_id", "message": "required without resident_id"}])
        membership = membership_for(ctx, args.facility_id)
        if args.area_id and not covers_area(membership, args.area_id):
            raise Rejected("not_found", "Không tìm thấy khu này trong phạm vi của bạn.")
        if args.area_id and not membership.facility.areas.filter(id=args.area_id).exists():
            raise Rejected("not_found", "Không tìm thấy khu này trong phạm vi của bạn.")
        facility_id, area_id = args.facility_id, args.area_id
    ctx.facility_id = facility_id
    note = Note.objects.create(
        id=args.note_id, facility_id=facility_id, area_id=area_id, resident=resident,
        kind=args.kind, text=args.text, by=ctx.user, at=ctx.event.at,
    )
    ctx.emit("note", note.id, note_data(note), facility_id=facility_id, area_id=area_id)
    return Decision(status="applied")
