"""The reference client projects an answer's completions and notes all at once (sync/client/store.py,
`apply`): what it leaves must be what one projection per event, in order, leaves."""

from __future__ import annotations

import uuid

import pytest

from sync.client.projections import _note_add, _note_add_all, _task_complete, _task_complete_all
from sync.client.store import Store
from sync.client.transport import SyncReport

USER = "u1"


def _store(tasks: list[str]) -> Store:
    store = Store()
    for i, task in enumerate(tasks):
        store.put(USER, "task", task, i + 1, {"status": "pending", "title": f"Việc {i}"})
    return store


def _completion(task: str, outcome: str, at: str, **extra) -> dict:
    args = {"task_id": task, "outcome": outcome, **extra}
    return {"id": str(uuid.uuid4()), "name": "task.complete", "at": at, "hlc": "", "args": args}


def _events(tasks: list[str]) -> list[dict]:
    return [
        _completion(tasks[0], "done", "2026-12-01T01:00:00+00:00", details={"portion": 50}),
        _completion(tasks[1], "refused", "2026-12-01T01:01:00+00:00", reason="mệt"),
        # the same task again: the later completion is what stays
        _completion(tasks[0], "partial", "2026-12-01T01:02:00+00:00", reason="ăn ít"),
        # a task the phone never pulled: nothing to project
        _completion(str(uuid.uuid4()), "done", "2026-12-01T01:03:00+00:00"),
    ]


def _same_shape_twice(tasks: list[str]) -> list[dict]:
    """Both shapes, each task's completions in one shape: one statement per shape."""
    return [
        _completion(tasks[0], "done", "2026-12-01T01:00:00+00:00", details={"portion": 50}),
        _completion(tasks[1], "refused", "2026-12-01T01:01:00+00:00", reason="mệt"),
        _completion(tasks[0], "partial", "2026-12-01T01:02:00+00:00", details={"portion": 25}),
        _completion(tasks[1], "done", "2026-12-01T01:03:00+00:00"),
        _completion(str(uuid.uuid4()), "done", "2026-12-01T01:04:00+00:00"),
    ]


@pytest.mark.parametrize("events_of", [_events, _same_shape_twice])
def test_all_at_once_leaves_what_one_by_one_leaves(events_of):
    tasks = [str(uuid.uuid4()) for _ in range(3)]
    events = events_of(tasks)
    one_by_one, at_once = _store(tasks), _store(tasks)
    for event in events:
        _task_complete(one_by_one, USER, event)
    _task_complete_all(at_once, USER, events)
    assert at_once.records("task", USER) == one_by_one.records("task", USER)
    assert at_once.record("task", tasks[0], USER)["data"]["status"] == "partial"
    assert at_once.record("task", tasks[2], USER)["data"]["status"] == "pending"
    assert at_once.record("task", tasks[0], USER)["version"] == 1


def test_an_answer_projects_only_applied_events_and_empties_the_outbox():
    tasks = [str(uuid.uuid4()) for _ in range(3)]
    store = _store(tasks)
    events = _events(tasks)
    for event in events:
        store.outbox_add(USER, event)
    sent = store.pending(USER)
    statuses = ["applied", "rejected", "applied", "applied"]
    results = [
        {"id": e["id"], "status": s, "code": "x" if s == "rejected" else None}
        for e, s in zip(sent, statuses, strict=True)
    ]
    progress = store.apply(USER, sent, results, [], "c1", SyncReport())
    assert progress == 4
    assert store.pending_count(USER) == 0
    assert [r["id"] for r in store.rejected()] == [events[1]["id"]]
    # the refused one was rejected: its task is untouched; the other ends partial
    assert store.record("task", tasks[1], USER)["data"]["status"] == "pending"
    assert store.record("task", tasks[0], USER)["data"]["status"] == "partial"


def _note(note_id: str, resident: str | None, text: str, **extra) -> dict:
    args = {"note_id": note_id, "kind": "observation", "text": text, **extra}
    if resident is not None:
        args["resident_id"] = resident
    return {
        "id": str(uuid.uuid4()),
        "name": "note.add",
        "at": "2026-12-01T01:00:00+00:00",
        "hlc": "",
        "args": args,
    }


def test_notes_all_at_once_leave_what_one_by_one_leaves():
    known, unknown, again = (str(uuid.uuid4()) for _ in range(3))
    events = [
        _note(str(uuid.uuid4()), known, "Cụ ngủ ngon"),
        _note(str(uuid.uuid4()), unknown, "một cụ chưa kéo về máy"),
        _note(again, None, "ghi chú chung", facility_id="f2", area_id=None),
        _note(str(uuid.uuid4()), known, "NaN \x00 😀", extra={"n": 2**70}),
        # the same note id twice in one answer: the later text stays, as one by one
        _note(again, known, "lần thứ hai"),
    ]
    stores = [Store(), Store()]
    for store in stores:
        store.put(USER, "resident", known, 3, {"facility_id": "f1", "area_id": "a1"})
    for event in events:
        _note_add(stores[0], USER, event)
    _note_add_all(stores[1], USER, events)
    assert stores[1].records("note", USER) == stores[0].records("note", USER)
    assert stores[1].record("note", again, USER) == stores[0].record("note", again, USER)
    assert stores[1].records("note", USER)[again]["text"] == "lần thứ hai"
    assert stores[1].records("note", USER)[again]["area_id"] == "a1"
