"""The push's hand-written reads and writes give what the ORM's would (docs/performance.md,
"Push on plain reads"): the locked tasks as instances, a change log whose older changes of
the records a push touched are superseded, and dashboard facts whose data is JSON."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from channels.layers import get_channel_layer
from django.db import transaction

from server.care.models import TaskInstance
from server.live.groups import record_fact, sends_in_order
from sync.models import Change
from sync.rows import locked_instances
from tests.events import event
from tests.factories import AreaFactory, FacilityFactory, ResidentFactory, TaskFactory


def test_locked_instances_are_what_the_orm_returns(centre):
    resident = ResidentFactory(area=centre.elderly)
    done = datetime(2026, 3, 1, 7, 5, 9, 120, tzinfo=UTC)
    tasks = [
        TaskFactory(resident=resident),
        TaskFactory(
            resident=resident,
            status="done",
            done_at=done,
            done_device=uuid.uuid4(),
            details={"portion": 75, "nested": [1, 2.5, None, "ă"]},
            history=[{"status": "done", "at": done.isoformat()}],
            version=3,
        ),
    ]
    elsewhere = TaskFactory(resident=ResidentFactory(area=AreaFactory(facility=FacilityFactory())))
    ids = [t.id for t in tasks] + [elsewhere.id, uuid.uuid4()]
    with transaction.atomic():
        ours = locked_instances(TaskInstance, ids, [centre.facility.id])
        theirs = list(
            TaskInstance.objects.select_for_update(of=("self",))
            .filter(id__in=ids, facility_id__in=[centre.facility.id])
            .order_by("id")
        )
    assert [t.id for t in ours] == [t.id for t in theirs] == sorted(t.id for t in tasks)
    for mine, orm in zip(ours, theirs, strict=True):
        assert type(mine) is TaskInstance
        assert not mine._state.adding and mine._state.db == orm._state.db
        for field in TaskInstance._meta.concrete_fields:
            a, b = getattr(mine, field.attname), getattr(orm, field.attname)
            assert (a, type(a)) == (b, type(b)), field.attname
            if isinstance(a, datetime):
                assert a.tzinfo == b.tzinfo, field.attname
    assert ours[[t.id for t in ours].index(tasks[1].id)].done_at == done


def test_locked_instances_hold_empty_json_of_their_own(centre):
    # An empty object or array is read without the json module: each row still gets its own,
    # so a handler filling one task's details changes no other task's.
    resident = ResidentFactory(area=centre.elderly)
    ids = [TaskFactory(resident=resident).id for _ in range(2)]
    with transaction.atomic():
        first, second = locked_instances(TaskInstance, ids, [centre.facility.id])
    assert first.details == second.details == {} and first.history == second.history == []
    first.details["portion"] = 50
    first.history.append({"status": "done"})
    assert second.details == {} and second.history == []


def test_a_push_supersedes_only_older_changes_of_the_records_it_changed(centre, api):
    api.login("carer")
    resident = ResidentFactory(area=centre.elderly)
    first, second = TaskFactory(resident=resident), TaskFactory(resident=resident)
    for seq, task in ((-2, first), (-1, second)):
        Change.objects.create(
            facility_id=centre.facility.id, seq=seq, type="task", record_id=task.id, data={}
        )
    args = {"outcome": "done", "details": {"portion": 100}}
    response = api.sync([event("task.complete", {"task_id": str(first.id), **args})])
    assert response.json()["results"][0]["status"] == "applied"
    rows = {
        (c.record_id, c.superseded)
        for c in Change.objects.filter(facility_id=centre.facility.id, type="task")
    }
    assert rows == {(first.id, True), (first.id, False), (second.id, False)}


def test_a_fact_keeps_json_data_as_it_is_and_converts_the_rest():
    when = datetime(2026, 3, 1, 7, 5, 9, tzinfo=UTC)
    plain = {"status": "done", "done_by": "u", "done_at": "2026-03-01T07:05:09+00:00"}
    assert record_fact("task", "t", plain)["data"] == plain
    converted = record_fact("task", "t", {"status": ("done",), "done_at": when, "due_at": None})
    assert converted["data"] == {
        "status": ["done"],
        "done_at": "2026-03-01T07:05:09Z",
        "due_at": None,
    }
    assert record_fact("task", "t", {"window_end": when + timedelta(hours=1)})["data"] == {
        "window_end": "2026-03-01T08:05:09Z"
    }


def test_a_commit_hook_run_beside_an_event_loop_logs_each_send_and_goes_on(caplog):
    # A sync view called from a thread that runs an event loop (a test's browser driver)
    # cannot hand the sends to a loop: each send is logged as failed, nothing raises.
    sends = [
        ("live.a", {"type": "live.poke"}, "live.a"),
        ("live.b", {"type": "live.poke"}, "live.b"),
    ]

    async def inside_a_loop() -> None:
        sends_in_order(get_channel_layer(), sends, "poke to %s failed")

    asyncio.run(inside_a_loop())
    assert "poke to live.a failed" in caplog.text and "poke to live.b failed" in caplog.text
