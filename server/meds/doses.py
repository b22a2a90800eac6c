"""The append-only medication record inside a sync call: what the call's events know of it
(`MedsBatch`, a per-call cache of the effective administrations of a dose or an order, kept
current as the call appends), and the writes that extend it: a dose's change, voids (a row
added, never an edit), and the medication task the effective records drive."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from server.care.models import TaskInstance
from server.meds.models import MedicationAdministration, MedicationVoid
from server.meds.rules import DoseRecord, task_status_of
from sync.protocol import judged_at
from sync.registry import HandlerContext
from sync.types import emit


def effective(qs) -> list[MedicationAdministration]:  # type: ignore[no-untyped-def]
    """Administrations of `qs` that no void row cancels, oldest first."""
    rows = list(qs.filter(voids__isnull=True).order_by("at", "id"))
    for row in rows:
        row._void_cache = False
    return rows


class MedsBatch:
    """What the events of one sync call know of the medication record, kept current as
    they append to it, so 500 doses cost a few queries rather than several each.

    Filled by the preloader (handlers.py) or lazily. A handler changes it only once all its
    writes are done, so a failing handler (rolled back to its savepoint) cannot leave it
    ahead of the database; a failed fast attempt starts again with a fresh batch.
    """

    KEY = "meds.batch"

    def __init__(self) -> None:
        self.by_task: dict[UUID, list[MedicationAdministration]] = {}
        self.by_prn_order: dict[UUID, list[MedicationAdministration]] = {}
        self.known_ids: dict[UUID, bool] = {}  # administration id -> exists
        self.voided: set[UUID] = set()

    @classmethod
    def of(cls, ctx: Any) -> MedsBatch:
        return ctx.batch.setdefault(cls.KEY, cls())

    def exists(self, admin_id: UUID) -> bool:
        if admin_id not in self.known_ids:
            self.known_ids[admin_id] = MedicationAdministration.objects.filter(id=admin_id).exists()
        return self.known_ids[admin_id]

    def for_task(self, task_id: UUID) -> list[MedicationAdministration]:
        if task_id not in self.by_task:
            self.by_task[task_id] = effective(
                MedicationAdministration.objects.filter(task_id=task_id)
            )
        return [r for r in self.by_task[task_id] if r.id not in self.voided]

    def for_prn_order(self, order_id: UUID) -> list[MedicationAdministration]:
        if order_id not in self.by_prn_order:
            self.by_prn_order[order_id] = effective(
                MedicationAdministration.objects.filter(order_id=order_id, task__isnull=True)
            )
        return [r for r in self.by_prn_order[order_id] if r.id not in self.voided]

    def added(self, row: MedicationAdministration) -> None:
        self.known_ids[row.id] = True
        if row.task_id is not None and row.task_id in self.by_task:
            self.by_task[row.task_id].append(row)
        if row.task_id is None and row.order_id in self.by_prn_order:
            self.by_prn_order[row.order_id].append(row)

    def void(self, admin_id: UUID) -> None:
        self.voided.add(admin_id)


def dose_records(rows: list[MedicationAdministration]) -> list[DoseRecord]:
    return [DoseRecord(key=str(r.id), outcome=r.outcome, at=r.at) for r in rows]


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
    emit(ctx, task)


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
    emit(ctx, row)
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
