"""Care event handlers: task.complete, task.complete_bulk, note.add."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal
from uuid import UUID

from django.utils.translation import gettext
from pydantic import BaseModel, ConfigDict, Field

from server.accounts.models import Membership
from server.care.access import (
    NOT_FOUND,
    area_in_scope,
    covers_area,
    load_in_scope,
    membership_for,
    my_memberships,
)
from server.care.completion import (
    CONFLICT_MESSAGES,
    CompletionRequest,
    completion_validate,
    task_complete_apply,
)
from server.care.models import Note, Resident, TaskInstance
from server.care.rules import bulk_summary
from sync.deferred import create_later
from sync.protocol import judged_at
from sync.registry import (
    PRELOADED,
    Decision,
    HandlerContext,
    PreloadContext,
    Rejected,
    preloader,
    register,
)
from sync.rows import keys_taken, locked_instances
from sync.types import emit

MESSAGES = CONFLICT_MESSAGES  # kept for importers of the earlier name

Outcome = Literal["done", "partial", "refused", "skipped", "not_applicable"]


class TaskCompleteArgs(BaseModel):
    model_config = ConfigDict(extra="allow")

    task_id: UUID
    outcome: Outcome
    reason: str = Field(default="", max_length=300)
    note: str = Field(default="", max_length=2000)
    details: dict[str, Any] = Field(default_factory=dict)


@preloader("task.complete")
def task_complete_preload(ctx: PreloadContext, args: list[TaskCompleteArgs]) -> None:
    """One locking query for every task a push completes (a phone back online may send
    hundreds). Their facility, for the settings the rules read, is the one the user's
    memberships hold (loaded once per call anyway): one instance per facility instead of
    one per task joined in, its settings' JSON decoded once."""
    ids = {a.task_id for a in args}
    facilities = {m.facility_id: m.facility for m in my_memberships(ctx)}
    tasks = locked_instances(TaskInstance, ids, ctx.locked_facilities)
    link = TaskInstance._meta.get_field("facility")
    for task in tasks:
        facility = facilities.get(task.facility_id)
        if facility is not None:  # else read on first use, as before
            link.set_cached_value(task, facility)  # type: ignore[union-attr]
    ctx.keep(tasks)


def _task_in_scope(ctx: HandlerContext, task_id: UUID) -> TaskInstance:
    task = ctx.preloaded(TaskInstance, task_id)
    if task is None:
        task, _ = load_in_scope(ctx, TaskInstance, task_id, for_update=True)
        return task
    if not covers_area(membership_for(ctx, task.facility_id), task.area_id):
        raise Rejected("not_found", NOT_FOUND)
    return task


@register("task.complete", TaskCompleteArgs)
def task_complete(ctx: HandlerContext, args: TaskCompleteArgs) -> Decision:
    task = _task_in_scope(ctx, args.task_id)
    ctx.facility_id = task.facility_id
    req = CompletionRequest(
        outcome=args.outcome, reason=args.reason, note=args.note, details=args.details
    )
    req = completion_validate(task, req)
    result, kind = task_complete_apply(ctx, task, req)
    if result == "merged":
        return Decision(status="merged")
    if result == "conflict":
        return Decision(status="conflict", code=kind, message=CONFLICT_MESSAGES[kind])
    return Decision(status="applied")


class BulkException(TaskCompleteArgs):
    """A resident who ate differently: what task.complete would say for that one task."""


class TaskCompleteBulkArgs(BaseModel):
    """A whole area's meal in one tap, with the residents who ate differently as exceptions."""

    model_config = ConfigDict(extra="allow")

    area_id: UUID
    local_date: date
    slot: str = Field(pattern=r"^\d{2}:\d{2}$")
    kind: Literal["meal"] = "meal"
    outcome: Outcome = "done"
    details: dict[str, Any] = Field(default_factory=lambda: {"portion": 100})
    exceptions: list[BulkException] = Field(default_factory=list, max_length=500)


@register("task.complete_bulk", TaskCompleteBulkArgs)
def task_complete_bulk(ctx: HandlerContext, args: TaskCompleteBulkArgs) -> Decision:
    """Each task of (area, date, slot, kind) goes through the same merge rule as
    task.complete. Everything is validated before anything is written: one bad exception
    rejects the whole event, so a phone never has half a meal recorded."""
    area, _ = area_in_scope(ctx, args.area_id)
    ctx.facility_id = area.facility_id
    tasks = list(
        TaskInstance.objects.select_for_update(of=("self",))
        .filter(
            area=area,
            local_date=args.local_date,
            slot=args.slot,
            kind=args.kind,
            resident__isnull=False,
        )
        .select_related("facility", "resident")
        .order_by("id")
    )
    ctx.rows = len(tasks)  # the call's work budget counts a meal by its residents
    if not tasks:
        raise Rejected("not_found", gettext("Không có bữa ăn nào của khu này vào giờ này."))
    by_id = {t.id: t for t in tasks}
    default = CompletionRequest(outcome=args.outcome, details=args.details)
    plan: list[tuple[TaskInstance, CompletionRequest, bool]] = []
    exceptions: dict[UUID, CompletionRequest] = {}
    for index, named in enumerate(args.exceptions):
        if named.task_id not in by_id:
            raise Rejected(
                "not_found",
                gettext("Một ngoại lệ không thuộc bữa ăn này."),
                details=[{"field": f"exceptions.{index}.task_id", "message": "not in this meal"}],
            )
        req = CompletionRequest(
            outcome=named.outcome, reason=named.reason, note=named.note, details=named.details
        )
        exceptions[named.task_id] = completion_validate(
            by_id[named.task_id], req, field_prefix=f"exceptions.{index}."
        )
    for task in tasks:
        named_req = exceptions.get(task.id)
        if named_req is None:
            plan.append((task, completion_validate(task, default), False))
        else:
            plan.append((task, named_req, True))
    counts = {"applied": 0, "merged": 0, "conflict": 0, "away": 0}
    for task, req, explicit in plan:
        # Ticking "the whole room ate" says nothing about a resident in hospital: skip them,
        # unless the carer named them as an exception (then the rule opens resident_away).
        if task.status == "away" and not explicit:
            counts["away"] += 1
            continue
        # Saved with the call's other completions (one UPDATE per push, sync/deferred.py):
        # Django's bulk_update built a CASE per field and row, ~8 ms of CPU per resident.
        result, _ = task_complete_apply(ctx, task, req)
        counts["applied" if result == "corrected" else result] += 1
    summary = bulk_summary(counts)
    return Decision(
        status=summary.status, code=summary.code, message=summary.message, flags=list(summary.flags)
    )


class NoteAddArgs(BaseModel):
    model_config = ConfigDict(extra="allow")

    note_id: UUID
    kind: Literal["handover", "observation", "incident"]
    text: str = Field(min_length=1, max_length=5000)
    resident_id: UUID | None = None
    facility_id: UUID | None = None
    area_id: UUID | None = None


# Preloaded note ids: (NOTE_ID, id) → True when a note with that id exists (the id as the
# UUID the args hold: its text would cost a UUID.__str__ per lookup). Kept with the
# preloaded instances, so it goes when they go (a handler without a preloader wrote).
NOTE_ID = "note_id"


@preloader("note.add")
def note_add_preload(ctx: PreloadContext, args: list[NoteAddArgs]) -> None:
    """Two queries for a push of notes (a phone back online may send hundreds): which note
    ids exist already, and the residents they are about."""
    ids = {a.note_id for a in args}
    taken = keys_taken(Note, ids)
    residents = {a.resident_id for a in args if a.resident_id is not None}
    if residents:
        ctx.keep(Resident.objects.filter(id__in=residents, facility_id__in=ctx.locked_facilities))
    store = ctx.batch.setdefault(PRELOADED, {})
    for note_id in ids:
        store[(NOTE_ID, note_id)] = note_id in taken


def _note_taken(ctx: HandlerContext, note_id: UUID) -> bool:
    known = ctx.batch.get(PRELOADED, {}).get((NOTE_ID, note_id))
    return Note.objects.filter(id=note_id).exists() if known is None else known


@register("note.add", NoteAddArgs)
def note_add(ctx: HandlerContext, args: NoteAddArgs) -> Decision:
    if _note_taken(ctx, args.note_id):
        raise Rejected("duplicate_record", gettext("Ghi chú với mã này đã tồn tại."))
    resident = None
    area_id: UUID | None
    if args.resident_id:
        resident, membership = load_in_scope(ctx, Resident, args.resident_id)
        facility_id, area_id = resident.facility_id, resident.area_id
    else:
        membership = _note_membership(ctx, args.facility_id)
        if args.area_id is not None:
            area_in_scope(ctx, args.area_id, facility_id=membership.facility_id)
        facility_id, area_id = membership.facility_id, args.area_id
    ctx.facility_id = facility_id
    # Links by id: the relations' descriptors checked and cached instances nobody reads.
    note = Note(
        id=args.note_id,
        facility_id=facility_id,
        area_id=area_id,
        resident_id=resident.pk if resident is not None else None,
        kind=args.kind,
        text=args.text,
        by_id=ctx.user.pk,
        at=judged_at(ctx),
    )
    # With the call's other notes, in one INSERT (sync/deferred.py).
    create_later(ctx, note)
    ctx.batch.get(PRELOADED, {}).update({(NOTE_ID, note.id): True})
    emit(ctx, note)
    return Decision(status="applied")


def _note_membership(ctx: HandlerContext, facility_id: UUID | None) -> Membership:
    """A note about no resident belongs to the facility named, else to the author's only
    facility; someone working in several must say which."""
    if facility_id is not None:
        return membership_for(ctx, facility_id)
    mine = my_memberships(ctx)
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise Rejected("not_found", NOT_FOUND)
    raise Rejected(
        "facility_required",
        gettext("Bạn làm ở nhiều trung tâm: cần chọn trung tâm cho ghi chú."),
        details=[{"field": "facility_id", "message": "required: several facilities"}],
    )
