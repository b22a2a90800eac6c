"""The scheduled doses of the task horizon: each active, non-PRN medication order becomes one
due `medication` task per time of day, on the dates of its course. Care's horizon
(`server/care/horizon.py`) asks each of its TASK_SOURCES; server/meds/apps.py adds this one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from server.care.horizon import slots_for, task_build
from server.care.models import Facility, TaskInstance, TaskKind
from server.meds.models import MedicationOrder


def order_tasks(order: MedicationOrder, dates: list[date]) -> Iterator[TaskInstance]:
    resident = order.resident
    window = order.effective_window_minutes()
    in_course = [
        d
        for d in dates
        if (order.start_date is None or d >= order.start_date)
        and (order.end_date is None or d <= order.end_date)
    ]
    details = {
        "drug": order.drug,
        "dose": order.dose,
        "route": order.route,
        "controlled": order.controlled,
    }
    for slot in slots_for(order.id, resident.id, order.times, [], in_course, window, window):
        task = task_build(
            slot,
            facility_id=order.facility_id,
            area_id=resident.area_id,
            resident=resident,
            kind=TaskKind.MEDICATION,
            title=f"{order.drug} {order.dose}",
            details=details,
        )
        if task is not None:
            task.order = order
            yield task


def dose_tasks(facility: Facility, dates: list[date]) -> Iterator[TaskInstance]:
    orders = MedicationOrder.objects.filter(
        facility=facility, active=True, prn=False
    ).select_related("resident")
    for order in orders:
        yield from order_tasks(order, dates)
