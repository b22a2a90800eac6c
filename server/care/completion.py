"""Completing one task through the merge rule: shared by task.complete, the bulk meal
completion and disinfection.record (which may close a disinfection task)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from server.care.models import TaskInstance
from server.care.rules import (
    Completion,
    TaskState,
    completion_detail,
    completion_details_check,
    completion_details_default,
    task_completion_decide,
)
from sync.protocol import judged_at
from sync.registry import HandlerContext, Rejected
from sync.types import conflict_about, emit

CONFLICT_MESSAGES = {
    "contradictory_outcome": gettext_lazy(
        "Việc này đã được người khác ghi với kết quả khác; quản lý trực sẽ xem xét."
    ),
    "resident_away": gettext_lazy(
        "Đối tượng đang vắng mặt (nằm viện / về phép); quản lý trực sẽ xem xét."
    ),
}


# What a completion (or its void) changes; saving only these keeps each UPDATE small.
COMPLETION_FIELDS = [
    "status",
    "done_by",
    "done_at",
    "done_device",
    "done_event",
    "reason",
    "note",
    "details",
    "history",
    "version",
]


@dataclass(frozen=True)
class CompletionRequest:
    outcome: str
    reason: str = ""
    note: str = ""
    details: dict[str, Any] | None = None


def completion_validate(
    task: TaskInstance, req: CompletionRequest, *, field_prefix: str = ""
) -> CompletionRequest:
    """Reject (before anything is written) a completion its kind does not allow or that
    misses what it needs; else the request with its optional details filled in."""
    facility = task.facility
    problem = completion_details_check(
        kind=task.kind,
        outcome=req.outcome,
        reason=req.reason,
        details=req.details or {},
        portions=facility.setting("meal_portions"),
        sun_minutes=(
            facility.setting("sun_exposure_min_minutes"),
            facility.setting("sun_exposure_max_minutes"),
        ),
    )
    if problem is not None:
        raise Rejected(
            problem.code,
            problem.message,
            details=[{"field": field_prefix + problem.field, "message": problem.message}],
        )
    details = completion_details_default(
        kind=task.kind, outcome=req.outcome, details=req.details or {}
    )
    # Built, not `dataclasses.replace`d: that reads the class's fields on every call.
    return CompletionRequest(req.outcome, req.reason, req.note, details)


def _history_entry(task: TaskInstance) -> dict[str, Any]:
    return {
        "status": task.status,
        "by": str(task.done_by_id) if task.done_by_id else None,
        "at": task.done_at.isoformat() if task.done_at else None,
        "reason": task.reason,
        "details": task.details,
        "event": str(task.done_event) if task.done_event else None,
    }


def task_complete_apply(
    ctx: HandlerContext,
    task: TaskInstance,
    req: CompletionRequest,
    *,
    unsaved: list[TaskInstance] | None = None,
) -> tuple[str, str]:
    """Run the merge rule for one (locked, validated) task and write its result.

    Returns (result, conflict kind): result is "applied", "corrected", "merged" or
    "conflict"; the kind is set only for a conflict. Flags go onto the context. With
    `unsaved`, a changed task is appended there for the caller to save in bulk.
    """
    details = req.details or {}
    at = judged_at(ctx)  # flags clock_skew once, as each call would
    grace = timedelta(
        minutes=task.facility.setting(
            "dose_grace_minutes" if task.kind == "medication" else "task_grace_minutes"
        )
    )
    verdict = task_completion_decide(
        TaskState(
            status=task.status,
            done_device=task.done_device,
            window_end=task.window_end,
            detail=completion_detail(task.kind, task.status, task.details),
        ),
        Completion(
            outcome=req.outcome,
            device=ctx.device_id,
            at=at,
            detail=completion_detail(task.kind, req.outcome, details),
        ),
        grace=grace,
    )
    ctx.flag(*verdict.flags)
    if verdict.action == "merge":
        return "merged", ""
    if verdict.action == "conflict":
        message = CONFLICT_MESSAGES[verdict.conflict_kind]
        conflict_about(
            ctx,
            task,
            kind=verdict.conflict_kind,
            area_id=task.area_id,
            other_event_ids=[str(task.done_event)] if task.done_event else [],
            details={
                "current": task.status,
                "current_details": task.details,
                "proposed": req.outcome,
                "proposed_details": details,
                "by": str(ctx.user.pk),
                "reason": req.reason,
            },
            message=message,
        )
        return "conflict", verdict.conflict_kind
    if verdict.action == "correct":
        # Nothing is silently overwritten: the replaced outcome stays in the history.
        task.history = [*task.history, _history_entry(task)]
    task.status = req.outcome
    # The id, not the instance: the relation's descriptor checks cost more than the write.
    task.done_by_id = ctx.user.pk
    task.done_at = at
    task.done_device = ctx.device_id
    task.done_event = ctx.event.id
    task.reason = req.reason
    task.note = req.note
    task.details = details
    task.version += 1
    if unsaved is None:
        # Deferred in a fast push: one UPDATE for the call's tasks instead of one each.
        ctx.save_later(task, COMPLETION_FIELDS)
    else:
        unsaved.append(task)
    emit(ctx, task)
    return ("corrected" if verdict.action == "correct" else "applied"), ""


def _dose_recorded(task: TaskInstance) -> bool:
    """Whether an administration decides this dose. A bare tick (taken before a dose could
    close only by med.administer) is not an eMAR line: voiding it must stay possible.
    Read through the reverse relation meds declares on the task, so care imports no meds."""
    return (
        task.done_event is None
        or TaskInstance.objects.filter(
            id=task.id, administrations__event_id=task.done_event
        ).exists()
    )


def task_void_apply(ctx: HandlerContext, task: TaskInstance, reason: str) -> None:
    """record.void on a task: its completion is undone, the task is pending again, and the
    voided completion stays in the history (with who voided it and why)."""
    if task.kind == "medication" and _dose_recorded(task):
        raise Rejected(
            "invalid_args",
            _("Lượt thuốc được hủy qua bản ghi cấp thuốc, không qua việc."),
            details=[{"field": "record_type", "message": "void the med_administration"}],
        )
    if task.status not in ("done", "partial", "refused", "skipped", "not_applicable"):
        raise Rejected("not_completed", _("Việc này chưa được ghi kết quả nên không có gì để hủy."))
    entry = _history_entry(task)
    entry.update(
        {
            "void": True,
            "void_reason": reason,
            "void_by": str(ctx.user.pk),
            "void_at": judged_at(ctx).isoformat(),
            "void_event": str(ctx.event.id),
        }
    )
    task.history = [*task.history, entry]
    task.status = "pending"
    task.done_by = None
    task.done_at = None
    task.done_device = None
    task.done_event = None
    task.reason = ""
    task.note = ""
    task.details = {}
    task.version += 1
    task.save(update_fields=COMPLETION_FIELDS)
    emit(ctx, task)
