"""Deferred row updates in a fast push (`ctx.save_later`, sync/deferred.py): one UPDATE for
a push's tasks, and no statement, handler or refusal can tell the rows were written late."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pydantic import BaseModel

from server.care.models import TaskInstance
from sync.models import Change, EventLog
from sync.registry import Rejected, register
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory


def meal_tasks(area, n):
    return [TaskFactory(resident=ResidentFactory(area=area), kind="meal") for _ in range(n)]


def complete(task, **extra):
    return event(
        "task.complete",
        {"task_id": task.id, "outcome": "done", "details": {"portion": 100}, **extra},
    )


def task_updates(queries):
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith(("UPDATE", "WITH")) and "care_taskinstance" in q["sql"]
    ]


def test_it_updates_the_tasks_of_a_push_in_one_statement(centre, api):
    api.login("carer")
    tasks = meal_tasks(centre.elderly, 6)
    with CaptureQueriesContext(connection) as captured:
        results = api.sync([complete(t, note=f"n{i}") for i, t in enumerate(tasks)]).json()
    assert [r["status"] for r in results["results"]] == ["applied"] * 6
    assert len(task_updates(captured.captured_queries)) == 1
    for i, task in enumerate(tasks):
        task.refresh_from_db()
        assert (task.status, task.version, task.note, task.details) == (
            "done",
            2,
            f"n{i}",
            {"portion": 100},
        )
        assert task.done_by_id is not None and task.done_at is not None


def test_it_lets_a_later_event_of_the_call_read_the_deferred_row(centre, api):
    # record.void loads the task afresh: it must see the completion deferred just before it.
    api.login("carer")
    task = meal_tasks(centre.elderly, 1)[0]
    events = [
        complete(task),
        event("record.void", {"record_type": "task", "record_id": task.id, "reason": "nhầm"}),
    ]
    results = api.sync(events).json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied"], results
    task.refresh_from_db()
    assert (task.status, task.version) == ("pending", 3)
    assert [(h["status"], h.get("void")) for h in task.history] == [("done", True)]
    newest = Change.objects.filter(record_id=task.id, superseded=False).get()
    assert (newest.version, newest.data["status"]) == (3, "pending")


class TaskArgs(BaseModel):
    task_id: uuid.UUID


@register("test.defer_then_reject", TaskArgs)
def _defer_then_reject(ctx, args):
    # Breaks the registry contract on purpose: a deferral is a write, refusing after it is late.
    task = TaskInstance.objects.get(id=args.task_id)
    task.note = "không được lưu"
    ctx.save_later(task, ["note"])
    raise Rejected("too_late", "Đã quá muộn.")


@register("test.touch_then_reject", TaskArgs)
def _touch_then_reject(ctx, args):
    # Changes the shared preloaded instance in memory, writes nothing, refuses: allowed.
    task = ctx.preloaded(TaskInstance, args.task_id)
    task.note = "chỉ trong bộ nhớ"
    task.status = "refused"
    raise Rejected("changed_mind", "Thôi.")


def test_it_stores_nothing_of_a_handler_that_deferred_then_refused(centre, api):
    api.login("carer")
    first, second = meal_tasks(centre.elderly, 2)
    events = [
        complete(first),
        event("test.defer_then_reject", {"task_id": second.id}),
        complete(second),
    ]
    results = api.sync(events).json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert results[1]["code"] == "too_late"
    for task in (first, second):
        task.refresh_from_db()
        assert (task.status, task.note, task.version) == ("done", "", 2)
    assert EventLog.objects.count() == 3


def test_it_writes_what_was_deferred_not_what_changed_in_memory_later(centre, api):
    api.login("carer")
    task, other = meal_tasks(centre.elderly, 2)
    events = [
        complete(task, note="ăn hết"),
        event("test.touch_then_reject", {"task_id": task.id}),
        complete(other),
    ]
    results = api.sync(events).json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    task.refresh_from_db()
    assert (task.status, task.note, task.version) == ("done", "ăn hết", 2)
    other.refresh_from_db()
    assert (other.status, other.version) == ("done", 2)


def test_it_reloads_preloaded_rows_after_another_handler_wrote_them(centre, api):
    # The void writes the task through its own copy: the next completion must not decide
    # against the preloaded copy, which still says "done" and lacks the void in its history.
    api.login("carer")
    task = meal_tasks(centre.elderly, 1)[0]
    events = [
        complete(task),
        event("record.void", {"record_type": "task", "record_id": task.id, "reason": "nhầm"}),
        complete(task, note="lần 2"),
    ]
    results = api.sync(events).json()["results"]
    assert [r["status"] for r in results] == ["applied", "applied", "applied"]
    task.refresh_from_db()
    assert (task.status, task.version, task.note) == ("done", 4, "lần 2")
    assert [h.get("void") for h in task.history] == [True]
    versions = list(Change.objects.filter(record_id=task.id).order_by("seq"))
    assert [c.version for c in versions][-3:] == [2, 3, 4]


@pytest.mark.postgres  # the scratch table is PostgreSQL's COPY path; SQLite updates from VALUES
def test_the_scratch_table_is_made_once_a_session_and_left_empty(centre, api):
    api.login("carer")
    tasks = meal_tasks(centre.elderly, 6)
    for part in (tasks[:3], tasks[3:]):
        with CaptureQueriesContext(connection) as captured:
            results = api.sync([complete(t) for t in part]).json()["results"]
        assert [r["status"] for r in results] == ["applied"] * 3
        assert not [q for q in captured.captured_queries if "DROP" in q["sql"].upper()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relpersistence = 't'"
            " AND relname LIKE 'sync\\_deferred\\_%%'"
        )
        scratch = [name for (name,) in cursor.fetchall()]
        assert len(scratch) == 1  # one shape: the completions' UPDATE
        cursor.execute(f"SELECT count(*) FROM {scratch[0]}")
        assert cursor.fetchone()[0] == 0  # nothing left for the next flush to apply again
    assert {t.status for t in TaskInstance.objects.filter(id__in=[t.id for t in tasks])} == {"done"}
