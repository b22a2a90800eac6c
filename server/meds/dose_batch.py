"""What the events of one sync call know of the append-only medication record: the
effective (not voided) administrations of a dose or an order, kept current as the call appends
to it. A per-call cache; the writes that extend the record are in doses.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from server.meds.models import MedicationAdministration


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
