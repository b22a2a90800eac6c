"""The sweep finds every pending task past its window through its index of unswept tasks
(server/care/sweep.py): a task the sweep has passed (done, away...) that becomes pending
again, by any writer, is unswept by the database's trigger (migration care 0006) and swept
at the next run, on PostgreSQL and on SQLite alike."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from server.care.models import TaskInstance
from server.care.sweep import missed_sweep_run
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory


def _overdue(centre, **kw) -> TaskInstance:
    due = timezone.now() - timedelta(hours=3)  # window_end = due + 1 h, grace 1 h
    return TaskFactory(due_at=due, resident=ResidentFactory(area=centre.elderly), **kw)


def _swept(task: TaskInstance) -> tuple[str, bool]:
    task.refresh_from_db()
    return task.status, task.swept


def test_the_sweep_marks_what_it_passes_and_leaves_the_future_alone(centre):
    done = _overdue(centre, status="done")
    late = _overdue(centre)
    ahead = TaskFactory(resident=ResidentFactory(area=centre.elderly))  # due now
    assert missed_sweep_run().changed == {"missed": 1}
    assert _swept(done) == ("done", True)
    assert _swept(late) == ("missed", True)
    assert _swept(ahead) == ("pending", False)
    assert missed_sweep_run().changed == {}


def test_a_voided_completion_past_its_window_is_swept_again(centre, api):
    task = _overdue(centre)
    api.login("carer")
    complete = event("task.complete", {"task_id": task.id, "outcome": "done"})
    assert api.sync([complete]).json()["results"][0]["status"] == "applied"
    missed_sweep_run()
    assert _swept(task) == ("done", True)
    void = event("record.void", {"record_type": "task", "record_id": task.id, "reason": "nhầm"})
    assert api.sync([void]).json()["results"][0]["status"] == "applied"
    assert _swept(task) == ("pending", False)
    assert missed_sweep_run().changed == {"missed": 1}
    assert _swept(task) == ("missed", True)


def test_any_writer_that_makes_a_task_pending_unswepts_it(centre):
    by_update, by_save = _overdue(centre, status="away"), _overdue(centre, status="away")
    missed_sweep_run()
    assert _swept(by_update) == ("away", True)
    TaskInstance.objects.filter(id=by_update.id).update(status="pending")
    by_save.refresh_from_db()
    by_save.status = "pending"
    by_save.save()  # every column, the stale `swept` (true) among them
    assert _swept(by_update) == ("pending", False)
    assert _swept(by_save) == ("pending", False)
    assert missed_sweep_run().changed == {"missed": 2}


def test_a_task_cannot_be_created_pending_and_swept(centre):
    task = _overdue(centre, swept=True)
    assert _swept(task) == ("pending", False)
