"""Extending the append-only medication record inside a sync handler: a dose's change,
voids (a row added, never an edit), and the medication task the effective records drive."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from server.care.completion import task_emit
from server.care.models import TaskInstance
from server.meds.dose_batch import MedsBatch
from server.meds.models import MedicationAdministration, MedicationVoid
from server.meds.rules import DoseRecord, task_status_of
from server.meds.serializers import med_administration_data
from sync.clock import judged_at
from sync.registry import HandlerContext


def dose_records(rows: list[MedicationAdministration]) -> list[DoseRecord]:
    return [DoseRecord(key=str(r.id), outcome=r.outcome, at=r.at) for r in rows]


def administration_emit(
    ctx: HandlerContext, row: MedicationAdministration, *, area_id: UUID | None
) -> None:
    ctx.emit(
        "med_administration",
        row.id,
        med_administration_data(row),
        facility_id=row.facility_id,
        area_id=area_id,
        version=2 if row.void else 1,
    )


def task_recompute(
    ctx: HandlerContext, task: TaskInstance, rows: list[MedicationAdministration]
) -> None:
    """Set the medication task from its effective records `rows` (arrival order does not
    matter) and emit it when anything visible changed."""
    status, key = task_status_of(dose_records(rows))
    decider = next((r for r in rows if str(r.id) == key), None)
    if (
        decider is None
        and status == "pending"
        and task.status == "away"
        and task.done_event is None
    ):
        return  # away by the resident's transfer, not by a record: the transfer owns it
    before = (task.status, task.done_event)
    task.status = status
    task.done_by_id = decider.by_id if decider else None
    task.done_at = decider.at if decider else None
    task.done_device = decider.device_id if decider else None
    task.done_event = decider.event_id if decider else None
    task.reason = decider.reason if decider else ""
    if (task.status, task.done_event) == before:
        return
    task.version += 1
    task.save()
    task_emit(ctx, task)


# What else a void undoes (server/stock puts a dose's units back on the shelf): filled by the
# apps that build on the eMAR, which it does not import.
VOID_HOOKS: list[Callable[[HandlerContext, MedicationAdministration], None]] = []


def administration_void(
    ctx: HandlerContext, row: MedicationAdministration, reason: str
) -> MedicationVoid:
    """Void by adding a row: the administration itself is never touched (and cannot be).
    The caller tells the batch (`MedsBatch.void`) once its own writes are done."""
    void = MedicationVoid.objects.create(
        facility_id=row.facility_id,
        administration=row,
        reason=reason[:300],
        by=ctx.user,
        at=judged_at(ctx),
        event_id=ctx.event.id,
    )
    row._void_cache = True
    for hook in VOID_HOOKS:
        hook(ctx, row)
    administration_emit(ctx, row, area_id=row.resident.area_id)
    if row.task_id:
        task = ctx.preloaded(
            TaskInstance, row.task_id
        ) or TaskInstance.objects.select_for_update().get(pk=row.task_id)
        remaining = [r for r in MedsBatch.of(ctx).for_task(row.task_id) if r.id != row.id]
        task_recompute(ctx, task, remaining)
    return void


def void_apply(ctx: HandlerContext, row: MedicationAdministration, reason: str) -> None:
    """record.void of a med_administration (registered in apps.py)."""
    administration_void(ctx, row, reason)
    MedsBatch.of(ctx).void(row.id)
