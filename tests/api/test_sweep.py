"""The overdue sweep: missed after window + grace, away for absent residents, published
to phones in bulk, idempotent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from server.care.jobs import all_jobs
from server.care.models import TaskInstance
from server.care.sweep import missed_sweep_run
from sync.models import Change
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory


def overdue(centre, minutes, **kw):
    due = timezone.now() - timedelta(hours=1, minutes=minutes)  # window_end = due + 1 h
    kw.setdefault("resident", ResidentFactory(area=centre.elderly))
    return TaskFactory(due_at=due, **kw)


def test_it_is_registered_as_a_five_minute_job():
    assert [(j.name, j.every_seconds) for j in all_jobs() if j.name == "missed_sweep"] == [
        ("missed_sweep", 300)
    ]


def test_it_marks_overdue_tasks_missed_and_leaves_the_rest(centre):
    late = overdue(centre, 61)
    in_grace = overdue(centre, 30)
    done = overdue(centre, 120, status="done")
    result = missed_sweep_run()
    assert result.changed == {"missed": 1}
    statuses = {t.id: t.status for t in TaskInstance.objects.all()}
    assert statuses == {late.id: "missed", in_grace.id: "pending", done.id: "done"}


def test_it_uses_the_dose_grace_for_medication_tasks(centre):
    centre.facility.settings = {"task_grace_minutes": 60, "dose_grace_minutes": 20}
    centre.facility.save()
    dose = overdue(centre, 30, kind="medication")
    meal = overdue(centre, 30, kind="meal")
    missed_sweep_run()
    dose.refresh_from_db()
    meal.refresh_from_db()
    assert (dose.status, meal.status) == ("missed", "pending")


@pytest.mark.parametrize(
    ("resident_status", "expected"),
    [("in_hospital", "away"), ("on_leave", "away"), ("deceased", "not_applicable")],
)
def test_it_never_marks_an_absent_resident_missed(centre, resident_status, expected):
    task = overdue(
        centre, 90, resident=ResidentFactory(area=centre.elderly, status=resident_status)
    )
    missed_sweep_run()
    task.refresh_from_db()
    assert task.status == expected


def test_it_publishes_the_changes_to_phones_and_is_idempotent(centre, api):
    api.login("carer")
    cursor = api.sync().json()["cursor"]
    tasks = [overdue(centre, 70) for _ in range(3)]
    other_area = overdue(centre, 70, resident=ResidentFactory(area=centre.children))
    missed_sweep_run()
    body = api.sync(cursor=cursor).json()
    pulled = {c["id"]: c["data"]["status"] for c in body["changes"] if c["type"] == "task"}
    assert pulled == {str(t.id): "missed" for t in tasks}  # the children's task is not in scope
    assert TaskInstance.objects.get(id=other_area.id).status == "missed"
    count = Change.objects.count()
    assert missed_sweep_run().changed == {}
    assert Change.objects.count() == count
    assert api.sync(cursor=body["cursor"]).json()["changes"] == []


def test_it_lets_a_late_completion_fill_a_missed_task(centre, api):
    task = overdue(centre, 70)
    missed_sweep_run()
    api.login("carer")
    result = api.sync(
        [
            event(
                "task.complete",
                {"task_id": task.id, "outcome": "done", "details": {"portion": 100}},
            )
        ]
    ).json()["results"][0]
    assert (result["status"], result["flags"]) == ("applied", ["late"])
    task.refresh_from_db()
    assert task.status == "done"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_is_safe_when_two_workers_sweep_at_once():
    """Two sweepers in parallel transactions: each task turns missed once, one change each."""
    import threading

    from django.db import connection

    from tests.personas import make_centre

    centre = make_centre()
    tasks = [overdue(centre, 70) for _ in range(40)]
    results, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            results.append(missed_sweep_run())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sum(r.changed.get("missed", 0) for r in results) == len(tasks)
    task_changes = Change.objects.filter(type="task", record_id__in=[t.id for t in tasks])
    assert task_changes.count() == len(tasks)
