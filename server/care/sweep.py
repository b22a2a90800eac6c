"""The overdue sweep: pending tasks past their window plus grace become `missed`
(or `away` for a resident in hospital or on leave), and phones are told in bulk."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from django.utils import timezone

from server.care.jobs import job
from server.care.models import Facility, TaskInstance
from server.care.rules import task_sweep_status
from sync.service import server_write
from sync.types import publish

BATCH = 500


@dataclass
class SweepResult:
    changed: dict[str, int] = field(default_factory=dict)

    def count(self, status: str) -> None:
        self.changed[status] = self.changed.get(status, 0) + 1


def _sweep_facility(facility: Facility, now: datetime, result: SweepResult) -> int:
    """One batch of the facility's unswept tasks past the horizon; returns how many it wrote."""
    task_grace = timedelta(minutes=facility.setting("task_grace_minutes"))
    dose_grace = timedelta(minutes=facility.setting("dose_grace_minutes"))
    # The smaller grace bounds the query; the rule decides each task with its own grace.
    horizon = now - min(task_grace, dose_grace)
    # The stream before the task rows, as a sync push takes them (no deadlock); a second
    # sweeper waits, then re-reads the tasks and finds them no longer pending (idempotent).
    with server_write(facility.id):
        # Unswept, not pending: the index holds every pending task this way (a completion
        # leaves the column alone, so it stays a heap-only update; models.py).
        tasks = list(
            # of=self: the resident join is outer (area tasks have none) and must not be locked.
            TaskInstance.objects.select_for_update(of=("self",))
            .filter(facility=facility, swept=False, window_end__lt=horizon)
            .select_related("resident")
            .order_by("window_end")[:BATCH]
        )
        changed: list[TaskInstance] = []
        passed: list[UUID] = []
        for task in tasks:
            if task.status != "pending":
                # Done, or anything else: nothing to decide. Marked so that the index stops
                # holding it; the rows are locked, and the trigger unmarks any that a later
                # write makes pending again.
                passed.append(task.id)
                continue
            status = task_sweep_status(
                status=task.status,
                window_end=task.window_end,
                now=now,
                grace=dose_grace if task.kind == "medication" else task_grace,
                resident_status=task.resident.status if task.resident is not None else None,
            )
            if status is None:
                continue
            task.status = status
            task.swept = True
            task.version += 1
            changed.append(task)
            result.count(status)
        if passed:
            TaskInstance.objects.filter(id__in=passed).exclude(status="pending").update(swept=True)
        if changed:
            TaskInstance.objects.bulk_update(
                changed, ["status", "version", "swept"], batch_size=BATCH
            )
            publish(changed)
    return len(changed) + len(passed)


def missed_sweep_run(*, now: datetime | None = None) -> SweepResult:
    """Sweep every facility once. Safe to run twice, concurrently, or late."""
    now = now or timezone.now()
    result = SweepResult()
    facility_ids: list[UUID] = list(
        TaskInstance.objects.filter(swept=False, window_end__lt=now)
        .values_list("facility_id", flat=True)
        .distinct()
    )
    for facility in Facility.objects.filter(id__in=facility_ids).order_by("id"):
        # A full batch may leave more behind; stop when a pass writes less than a batch.
        while _sweep_facility(facility, now, result) >= BATCH:
            pass
    return result


@job("missed_sweep", 300)
def missed_sweep() -> SweepResult:
    return missed_sweep_run()
