"""The pull after a push skips its statement when everything above the cursor is that push's
own (sync/changes.py, `own_above`): the page must be exactly what the statement gives."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from server.care.models import TaskInstance
from sync.types import publish
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory


def _tasks(area, n: int) -> list[TaskInstance]:
    resident = ResidentFactory(area=area)
    rows = [TaskFactory(resident=resident, kind="custom", slot=f"0{i}:00") for i in range(n)]
    publish(rows)
    return rows


def _current(api) -> str:
    body = api.sync([]).json()
    assert not body["more"]
    return body["cursor"]


def _change_reads(captured) -> list[str]:
    return [
        q["sql"]
        for q in captured
        if q["sql"].lstrip().upper().startswith("SELECT") and '"sync_change"' in q["sql"]
    ]


def test_a_push_from_a_current_cursor_gets_what_the_statement_would_give(centre, api):
    tasks = _tasks(centre.elderly, 3)
    api.login("carer")
    before = _current(api)
    events = [event("task.complete", {"task_id": t.id, "outcome": "done"}) for t in tasks]
    with CaptureQueriesContext(connection) as captured:
        body = api.sync(events, cursor=before).json()
    assert [r["status"] for r in body["results"]] == ["applied"] * 3
    assert body["changes"] == [] and not body["more"]
    assert _change_reads(captured.captured_queries) == []  # the shortcut was taken
    # The same pull, by the statement: from the cursor before the push, nothing either,
    # and the same position after it.
    again = api.sync([], cursor=before).json()
    assert again["changes"] == []
    assert again["cursor"] == body["cursor"]


def test_a_conflict_of_the_push_is_still_sent(centre, make_api):
    task = _tasks(centre.elderly, 1)[0]
    first, second = make_api(), make_api()
    first.login("carer")
    second.login("manager")
    cursor = _current(second)
    first.sync([event("task.complete", {"task_id": task.id, "outcome": "done"})])
    cursor = second.sync([], cursor=cursor).json()["cursor"]  # second sees the completion
    body = second.sync(
        [event("task.complete", {"task_id": task.id, "outcome": "refused", "reason": "x"})],
        cursor=cursor,
    ).json()
    assert body["results"][0]["status"] == "conflict"
    assert [c["type"] for c in body["changes"]] == ["conflict"]


def test_changes_by_others_since_the_cursor_are_still_sent(centre, make_api):
    mine, theirs = _tasks(centre.elderly, 2)
    me, other = make_api(), make_api()
    me.login("carer")
    other.login("manager")
    cursor = _current(me)
    other.sync([event("task.complete", {"task_id": theirs.id, "outcome": "done"})])
    body = me.sync(
        [event("task.complete", {"task_id": mine.id, "outcome": "done"})], cursor=cursor
    ).json()
    assert [(c["id"], c["data"]["status"]) for c in body["changes"]] == [(str(theirs.id), "done")]
    assert me.sync([], cursor=body["cursor"]).json()["changes"] == []
