"""Reading and extending the append-only medication record inside a sync handler:
the effective (not voided) records of a dose or an order, voids, and the task they drive."""

from __future__ import annotations

from uuid import UUID

from server.care.models import Resident, TaskInstance
from server.care.rules_residents import Move
from server.care.serializers import task_data
from server.meds.models import MedicationAdministration, MedicationVoid
from server.meds.rules import DoseRecord, task_status_of
from server.meds.serializers import med_administration_data
from sync.registry import HandlerContext


def effective(qs) -> list[MedicationAdministration]:  # type: ignore[no-untyped-def]
    """Administrations of `qs` that no void row cancels, oldest first."""
    rows = list(qs.exclude(voids__isnull=False).order_by("at", "id"))
    for row in rows:
        row._void_cache = False
    return rows


def dose_records(rows: list[MedicationAdministration]) -> list[DoseRecord]:
    return [DoseRecord(key=str(r.id), outcome=r.outcome, at=r.at) for r in rows]


def moves_of(resident: Resident) -> list[Move]:
    return [
        # Keyed by the transfer's event, so a conflict can name it.
        Move(at=t.at, status=t.status, previous=t.previous_status, key=str(t.event_id or t.id))
        for t in resident.transfers.all()
    ]


def administration_emit(ctx: HandlerContext, row: MedicationAdministration, *, area_id: UUID | None) -> None:
    ctx.emit("med_administration", row.id, med_administration_data(row), facility_id=row.facility_id,
             area_id=area_id, version=2 if row.void else 1)


def task_emit(ctx: HandlerContext, task: TaskInstance) -> None:
    ctx.emit("task", task.id, task_data(task), facility_id=task.facility_id, area_id=task.area_id,
             version=task.version)


def task_recompute(ctx: HandlerContext, task: TaskInstance) -> None:
    """Set the medication task from its effective records (order-independent) and emit it
    when anything visible changed."""
    rows = effective(MedicationAdministration.objects.filter(task=task))
    status, key = task_status_of(dose_records(rows))
    decider = next((r for r in rows if str(r.id) == key), None)
    if decider is None and status == "pending" and task.status == "away" and task.done_event is None:
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


def administration_void(ctx: HandlerContext, row: MedicationAdministration, reason: str) -> MedicationVoid:
    """Void by adding a row: the administration itself is never touched (and cannot be)."""
    void = MedicationVoid.objects.create(
        facility_id=row.facility_id, administration=row, reason=reason[:300], by=ctx.user,
        at=ctx.event.at, event_id=ctx.event.id,
    )
    row._void_cache = True
    administration_emit(ctx, row, area_id=row.resident.area_id)
    if row.task_id:
        task_recompute(ctx, TaskInstance.objects.select_for_update().get(pk=row.task_id))
    return void


def void_apply(ctx: HandlerContext, row: MedicationAdministration, reason: str) -> None:
    """record.void of a med_administration (registered in apps.py)."""
    administration_void(ctx, row, reason)
