"""The task horizon: turn the care plan into due TaskInstances for the next few days.

An offline phone must already hold tomorrow's list, so the server materialises every
routine slot (and every scheduled medication dose) for `days` local dates starting today,
in the centre's time zone (settings.TIME_ZONE, Asia/Ho_Chi_Minh).

Ids are deterministic: uuid5(TASK_NAMESPACE, "<routine or order id>/<subject id>/<local
date>/<slot>"), so a phone, a second worker or a re-run all name a due occurrence the same
way, and running the horizon twice creates nothing new.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from server.care.jobs import job
from server.care.models import (
    ABSENT_STATUSES,
    CLOSED_STATUSES,
    Facility,
    Resident,
    Routine,
    TaskInstance,
    TaskStatus,
)
from server.care.publish import publish
from sync.service import server_write

log = logging.getLogger("catruc.horizon")

# Fixed for ever: changing it would rename every task a phone already holds.
TASK_NAMESPACE = uuid.UUID("5b0c5f7e-8a4f-5d1e-9c63-ca7a0c0ffee1")


def task_id_for(
    source_id: uuid.UUID, subject_id: uuid.UUID, local_date: date, slot: str
) -> uuid.UUID:
    return uuid.uuid5(TASK_NAMESPACE, f"{source_id}/{subject_id}/{local_date.isoformat()}/{slot}")


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_today() -> date:
    """Today's date where the centre is (not where the server's clock is)."""
    return timezone.now().astimezone(local_zone()).date()


def slot_parse(slot: str) -> time | None:
    """'HH:MM' -> time; anything else (a typo in the admin) -> None, and the slot is skipped."""
    try:
        hours, minutes = slot.split(":")
        return time(int(hours), int(minutes))
    except (AttributeError, ValueError):
        return None


@dataclass(frozen=True)
class Slot:
    source_id: uuid.UUID
    subject_id: uuid.UUID
    local_date: date
    slot: str
    due_at: datetime
    before: timedelta
    after: timedelta


def slots_for(
    source_id: uuid.UUID,
    subject_id: uuid.UUID,
    times: Iterable[str],
    weekdays: Iterable[int],
    dates: list[date],
    before_minutes: int,
    after_minutes: int,
) -> Iterator[Slot]:
    zone = local_zone()
    allowed = set(weekdays or [])
    for day in dates:
        if allowed and day.weekday() not in allowed:
            continue
        for raw in sorted(set(times or [])):
            at = slot_parse(raw)
            if at is None:
                continue
            # A wall-clock time on a local date; Vietnam has no DST, so this is unambiguous.
            due = datetime.combine(day, at, tzinfo=zone)
            yield Slot(
                source_id,
                subject_id,
                day,
                at.strftime("%H:%M"),
                due,
                timedelta(minutes=before_minutes),
                timedelta(minutes=after_minutes),
            )


def status_for(resident: Resident | None) -> str | None:
    """pending, away (in hospital / on leave), or None: no task at all (discharged / deceased)."""
    if resident is None:
        return TaskStatus.PENDING
    if resident.status in CLOSED_STATUSES:
        return None
    if resident.status in ABSENT_STATUSES:
        return TaskStatus.AWAY
    return TaskStatus.PENDING


def task_build(
    slot: Slot,
    *,
    facility_id,
    area_id,
    resident: Resident | None,
    kind: str,
    title: str,
    routine: Routine | None = None,
    details: dict | None = None,
) -> TaskInstance | None:
    """The due task of one slot, or None when its resident should have none."""
    status = status_for(resident)
    if status is None:
        return None
    return TaskInstance(
        id=task_id_for(slot.source_id, slot.subject_id, slot.local_date, slot.slot),
        facility_id=facility_id,
        area_id=area_id,
        resident=resident,
        routine=routine,
        kind=kind,
        title=title[:200],
        local_date=slot.local_date,
        slot=slot.slot,
        due_at=slot.due_at,
        window_start=slot.due_at - slot.before,
        window_end=slot.due_at + slot.after,
        status=status,
        details=details or {},
    )


def routine_tasks(routine: Routine, dates: list[date]) -> Iterator[TaskInstance]:
    resident = routine.resident
    if resident is not None:
        subject_id, area_id = resident.id, resident.area_id
    elif routine.area_id is not None:
        subject_id, area_id = routine.area_id, routine.area_id
    else:
        return  # a plan line with no subject has nobody to do it for
    for slot in slots_for(
        routine.id,
        subject_id,
        routine.times,
        routine.weekdays,
        dates,
        routine.window_before_minutes,
        routine.window_after_minutes,
    ):
        task = task_build(
            slot,
            facility_id=routine.facility_id,
            area_id=area_id,
            resident=resident,
            kind=routine.kind,
            title=routine.title,
            routine=routine,
            details=dict(routine.details),
        )
        if task is not None:
            yield task


def horizon_dates(today: date, days: int) -> list[date]:
    """`days` local dates starting today: with 3, today, tomorrow and the day after."""
    return [today + timedelta(days=i) for i in range(max(days, 0))]


def routine_source(facility: Facility, dates: list[date]) -> Iterator[TaskInstance]:
    routines = Routine.objects.filter(facility=facility, active=True).select_related("resident")
    for routine in routines:
        yield from routine_tasks(routine, dates)


# Where due tasks come from: care's own routines, then what other apps plan (meds: the
# scheduled doses of its orders, appended by server/meds/apps.py), so care imports none of them.
TaskSource = Callable[[Facility, list[date]], Iterable[TaskInstance]]
TASK_SOURCES: list[TaskSource] = [routine_source]


def _facility_materialise(facility: Facility, dates: list[date]) -> int:
    wanted: dict[uuid.UUID, TaskInstance] = {}
    for source in TASK_SOURCES:
        for task in source(facility, dates):
            wanted[task.id] = task
    # A second horizon run (another worker) for this facility waits here, so the "which ids
    # already exist" read below is exact and a task is published once, never re-published
    # over a carer's completion.
    with server_write(facility.id):
        existing: set[uuid.UUID] = set()
        ids = list(wanted)
        for start in range(0, len(ids), 900):  # SQLite caps bound parameters per query
            existing.update(
                TaskInstance.objects.filter(id__in=ids[start : start + 900]).values_list(
                    "id", flat=True
                )
            )
        new = [t for tid, t in wanted.items() if tid not in existing]
        # ignore_conflicts only guards a writer that does not take the stream lock.
        TaskInstance.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        stale = _stale_tasks(facility, dates, set(wanted))
        publish(new)
        if stale:
            publish(stale, op="delete")
            TaskInstance.objects.filter(id__in=[t.id for t in stale]).delete()
            log.info("horizon: %s: %d planned tasks withdrawn", facility.code, len(stale))
    return len(new)


def _stale_tasks(
    facility: Facility, dates: list[date], wanted: set[uuid.UUID]
) -> list[TaskInstance]:
    """Planned tasks the plan no longer asks for (a time changed, a routine or an order ended,
    a resident discharged): withdrawn only while nobody could have started them yet, i.e.
    untouched and before their window opens. Anything already acted on stays, as history."""
    candidates = (
        TaskInstance.objects.filter(
            facility=facility,
            local_date__in=dates,
            status__in=[TaskStatus.PENDING, TaskStatus.AWAY],
            done_at__isnull=True,
            window_start__gt=timezone.now(),
            administrations__isnull=True,
        ).exclude(routine__isnull=True, order__isnull=True)  # only what the horizon itself made
    )
    stale_ids = [tid for tid in candidates.values_list("id", flat=True) if tid not in wanted]
    return list(TaskInstance.objects.filter(id__in=stale_ids)) if stale_ids else []


def tasks_materialise(
    *, facility: Facility | None = None, today: date | None = None, days: int | None = None
) -> int:
    """Create (and publish) the missing tasks of the horizon; returns how many were new.

    Idempotent: a second run creates nothing. Residents in hospital or on leave get `away`
    tasks (the slot still exists, nobody should chase it); discharged or deceased residents
    get none. Each facility commits in its own short transaction.
    """
    days = settings.TASK_HORIZON_DAYS if days is None else days
    dates = horizon_dates(today or local_today(), days)
    facilities = [facility] if facility is not None else list(Facility.objects.order_by("code"))
    return sum(_facility_materialise(f, dates) for f in facilities)


@job("task_horizon", 600)
def task_horizon_job() -> dict:
    created = tasks_materialise()
    return {"created": created}
