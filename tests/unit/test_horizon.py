"""The task horizon: routines and scheduled medication orders become due tasks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from server.care.horizon import local_today, task_id_for, tasks_materialise
from server.care.models import TaskInstance
from sync.models import Change
from tests.factories import MedicationOrderFactory, ResidentFactory, RoutineFactory

DAY = date(2026, 11, 23)


def at_utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def resident(centre):
    return ResidentFactory(area=centre.elderly)


@pytest.fixture
def far_future(monkeypatch):
    """Pin 'now' well before DAY, so no task of the horizon has started yet."""
    monkeypatch.setattr(timezone, "now", lambda: at_utc(2026, 11, 20, 0, 0))


def test_it_names_each_task_by_routine_subject_local_date_and_slot(resident):
    routine = RoutineFactory(resident=resident, times=["06:30", "11:00", "17:00"])
    created = tasks_materialise(today=DAY, days=2)
    assert created == 6
    expected = {
        task_id_for(routine.id, resident.id, DAY + timedelta(days=d), slot)
        for d in (0, 1)
        for slot in ("06:30", "11:00", "17:00")
    }
    assert set(TaskInstance.objects.values_list("id", flat=True)) == expected
    task = TaskInstance.objects.get(id=task_id_for(routine.id, resident.id, DAY, "11:00"))
    assert (task.kind, task.title, task.status, task.area_id) == (
        "meal",
        routine.title,
        "pending",
        resident.area_id,
    )
    assert task.routine_id == routine.id and task.order_id is None


def test_it_creates_and_publishes_nothing_on_a_second_run(resident):
    RoutineFactory(resident=resident)
    assert tasks_materialise(today=DAY, days=3) == 9
    changes = Change.objects.filter(type="task").count()
    assert changes == 9
    assert tasks_materialise(today=DAY, days=3) == 0
    assert TaskInstance.objects.count() == 9
    assert Change.objects.filter(type="task").count() == changes


def test_it_publishes_only_the_new_days_when_the_horizon_rolls_on(resident):
    RoutineFactory(resident=resident, times=["11:00"])
    tasks_materialise(today=DAY, days=2)
    assert tasks_materialise(today=DAY + timedelta(days=1), days=2) == 1
    published = set(Change.objects.filter(type="task").values_list("record_id", flat=True))
    assert published == set(TaskInstance.objects.values_list("id", flat=True))
    assert len(published) == 3


def test_it_publishes_tasks_in_the_residents_area(resident):
    RoutineFactory(resident=resident, times=["11:00"])
    tasks_materialise(today=DAY, days=1)
    change = Change.objects.get(type="task")
    assert change.facility_id == resident.facility_id and change.area_id == resident.area_id
    assert change.data["slot"] == "11:00" and change.data["status"] == "pending"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("present", {"pending"}),
        ("in_hospital", {"away"}),
        ("on_leave", {"away"}),
        ("discharged", set()),
        ("deceased", set()),
    ],
)
def test_it_gives_absent_residents_away_tasks_and_gone_residents_none(centre, status, expected):
    resident = ResidentFactory(area=centre.elderly, status=status)
    RoutineFactory(resident=resident)
    tasks_materialise(today=DAY, days=1)
    assert set(TaskInstance.objects.values_list("status", flat=True)) == expected


def test_it_makes_area_tasks_for_an_area_routine(centre):
    routine = RoutineFactory(
        resident=None,
        area=centre.vehicle,
        kind="disinfection",
        title="Khử khuẩn xe",
        times=["10:30", "16:30"],
    )
    tasks_materialise(today=DAY, days=1)
    tasks = TaskInstance.objects.order_by("slot")
    assert [t.slot for t in tasks] == ["10:30", "16:30"]
    assert all(t.resident_id is None and t.area_id == centre.vehicle.id for t in tasks)
    assert tasks[0].id == task_id_for(routine.id, centre.vehicle.id, DAY, "10:30")


def test_it_keeps_to_the_routines_weekdays(resident):
    RoutineFactory(resident=resident, times=["08:00"], weekdays=[0, 3])  # Mondays and Thursdays
    tasks_materialise(today=DAY, days=7)  # 2026-11-23 is a Monday
    assert sorted(TaskInstance.objects.values_list("local_date", flat=True)) == [
        DAY,
        date(2026, 11, 26),
    ]


def test_it_skips_inactive_routines(resident):
    RoutineFactory(resident=resident, active=False)
    assert tasks_materialise(today=DAY, days=3) == 0


def test_it_places_the_window_around_the_due_time(resident):
    RoutineFactory(
        resident=resident, times=["06:30"], window_before_minutes=30, window_after_minutes=90
    )
    tasks_materialise(today=DAY, days=1)
    task = TaskInstance.objects.get()
    assert task.due_at == at_utc(
        2026, 11, 22, 23, 30
    )  # 06:30 in Hồ Chí Minh City is 23:30 UTC the day before
    assert task.window_start == task.due_at - timedelta(minutes=30)
    assert task.window_end == task.due_at + timedelta(minutes=90)


def test_it_dates_slots_just_after_and_before_midnight_on_the_local_day(resident):
    RoutineFactory(resident=resident, times=["00:15", "23:45"])
    tasks_materialise(today=DAY, days=1)
    early, late = TaskInstance.objects.order_by("due_at")
    assert (early.local_date, early.due_at) == (DAY, at_utc(2026, 11, 22, 17, 15))
    assert (late.local_date, late.due_at) == (DAY, at_utc(2026, 11, 23, 16, 45))


@pytest.mark.parametrize(
    ("now", "today"),
    [
        (at_utc(2026, 11, 23, 16, 59), date(2026, 11, 23)),  # 23:59 local
        (at_utc(2026, 11, 23, 17, 0), date(2026, 11, 24)),  # 00:00 local: already tomorrow there
        (at_utc(2026, 11, 23, 17, 30), date(2026, 11, 24)),  # 00:30 local, still the 23rd in UTC
    ],
)
def test_it_takes_today_from_the_centres_clock_not_utc(monkeypatch, resident, now, today):
    monkeypatch.setattr(timezone, "now", lambda: now)
    RoutineFactory(resident=resident, times=["06:30"])
    assert local_today() == today
    tasks_materialise(days=1)
    assert list(TaskInstance.objects.values_list("local_date", flat=True)) == [today]


def test_it_makes_medication_tasks_from_scheduled_orders(resident):
    order = MedicationOrderFactory(
        resident=resident,
        drug="Haloperidol 1,5mg",
        dose="1 viên",
        times=["07:00", "19:00"],
        controlled=True,
    )
    tasks_materialise(today=DAY, days=2)
    tasks = list(TaskInstance.objects.order_by("due_at"))
    assert len(tasks) == 4
    first = tasks[0]
    assert first.id == task_id_for(order.id, resident.id, DAY, "07:00")
    assert (first.kind, first.order_id, first.routine_id) == ("medication", order.id, None)
    assert first.title == "Haloperidol 1,5mg 1 viên"
    assert first.details["controlled"] is True
    # Twice daily: ±60 minutes (ISMP), from the order.
    assert (
        first.window_end - first.due_at
        == timedelta(minutes=order.effective_window_minutes())
        == timedelta(minutes=60)
    )
    assert first.due_at - first.window_start == timedelta(minutes=60)


def test_it_makes_no_tasks_for_prn_or_stopped_orders_or_days_outside_the_course(resident):
    MedicationOrderFactory(
        resident=resident, prn=True, times=[], min_interval_minutes=360, max_per_24h=4
    )
    MedicationOrderFactory(resident=resident, active=False)
    MedicationOrderFactory(
        resident=resident,
        times=["07:00"],
        start_date=DAY + timedelta(days=1),
        end_date=DAY + timedelta(days=1),
    )
    tasks_materialise(today=DAY, days=3)
    assert list(TaskInstance.objects.values_list("local_date", flat=True)) == [
        DAY + timedelta(days=1)
    ]


def test_it_withdraws_untouched_future_tasks_the_plan_no_longer_asks_for(far_future, resident):
    routine = RoutineFactory(resident=resident, times=["06:30", "11:00"])
    tasks_materialise(today=DAY, days=1)
    done = TaskInstance.objects.get(slot="06:30")
    done.status, done.done_at = "done", timezone.now()
    done.save()
    routine.times = ["17:00"]
    routine.save()
    assert tasks_materialise(today=DAY, days=1) == 1
    assert sorted(TaskInstance.objects.values_list("slot", "status")) == [
        ("06:30", "done"),
        ("17:00", "pending"),
    ]
    withdrawn = task_id_for(routine.id, resident.id, DAY, "11:00")
    assert Change.objects.get(record_id=withdrawn, superseded=False).op == "delete"


def test_it_leaves_tasks_whose_window_has_opened(monkeypatch, resident):
    routine = RoutineFactory(resident=resident, times=["11:00"])
    tasks_materialise(today=DAY, days=1)
    monkeypatch.setattr(timezone, "now", lambda: at_utc(2026, 11, 23, 3, 30))  # 10:30 local
    routine.active = False
    routine.save()
    tasks_materialise(today=DAY, days=1)
    assert TaskInstance.objects.filter(slot="11:00").exists()


def test_it_only_touches_the_facility_asked_for(centre, resident):
    RoutineFactory(resident=resident)
    other = ResidentFactory(area__facility=centre.other_facility)
    RoutineFactory(resident=other)
    assert tasks_materialise(facility=centre.other_facility, today=DAY, days=1) == 3
    assert set(TaskInstance.objects.values_list("facility_id", flat=True)) == {
        centre.other_facility.id
    }
