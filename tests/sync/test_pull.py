"""The pull half: scope, pages, no echo, newest version only."""

from __future__ import annotations

import uuid

from server.care.models import TaskInstance
from sync.types import publish
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory


def many_tasks(area, n: int) -> list[TaskInstance]:
    resident = ResidentFactory(area=area)
    rows = [
        TaskFactory.build(resident=resident, kind="custom", slot=f"{i // 60:02d}:{i % 60:02d}")
        for i in range(n)
    ]
    TaskInstance.objects.bulk_create(rows, batch_size=500)
    return rows


def pull_all(api, cursor=None, limit=None) -> tuple[list[dict], list[dict], str]:
    pages, changes = [], []
    while True:
        body = {"protocol": 1, "device_id": api.device_id, "cursor": cursor, "events": []}
        if limit:
            body["limit"] = limit
        page = api.post("/api/sync/v1", body).json()
        pages.append(page)
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["more"]:
            return changes, pages, cursor


def test_it_pages_by_at_most_1000_and_resumes_without_gaps_or_repeats(centre, api):
    tasks = many_tasks(centre.elderly, 1500)
    publish(tasks)
    api.login("carer")
    changes, pages, cursor = pull_all(api)
    assert [(len(p["changes"]), p["more"]) for p in pages] == [(1000, True), (500, False)]
    seqs = [c["seq"] for c in changes]
    assert seqs == sorted(set(seqs))
    assert {c["id"] for c in changes} == {str(t.id) for t in tasks}
    # Resuming from the last cursor: nothing new, nothing repeated.
    assert pull_all(api, cursor)[0] == []


def test_it_honours_a_smaller_page_limit(centre, api):
    publish(many_tasks(centre.elderly, 250))
    api.login("carer")
    changes, pages, _ = pull_all(api, limit=100)
    assert [len(p["changes"]) for p in pages] == [100, 100, 50]
    assert len({c["id"] for c in changes}) == 250


def test_it_sends_a_carer_only_their_areas_and_a_manager_everything(centre, make_api):
    elderly = many_tasks(centre.elderly, 3)
    children = many_tasks(centre.children, 2)
    publish([*elderly, *children])
    carer, manager = make_api(), make_api()
    carer.login("carer")
    manager.login("manager")
    assert {c["id"] for c in pull_all(carer)[0]} == {str(t.id) for t in elderly}
    assert {c["id"] for c in pull_all(manager)[0]} == {str(t.id) for t in elderly + children}


def test_it_does_not_echo_a_2000_event_push_to_its_device_but_sends_it_to_others(centre, make_api):
    tasks = many_tasks(centre.elderly, 2000)
    pusher, other = make_api(), make_api()
    pusher.login("carer")
    other.login("manager")
    cursor = pull_all(pusher)[2]
    other_cursor = pull_all(other)[2]
    events = [event("task.complete", {"task_id": t.id, "outcome": "done"}) for t in tasks]
    for start in range(0, 2000, 500):
        body = pusher.sync(events[start : start + 500], cursor=cursor).json()
        assert {r["status"] for r in body["results"]} == {"applied"}
        assert body["changes"] == []
        cursor = body["cursor"]
    assert pull_all(pusher, cursor)[0] == []
    received, pages, _ = pull_all(other, other_cursor)
    assert len(pages) == 2
    assert {c["id"] for c in received} == {str(t.id) for t in tasks}
    assert {c["data"]["status"] for c in received} == {"done"}


def test_it_sends_only_the_newest_version_of_a_record(centre, make_api):
    task = many_tasks(centre.elderly, 1)[0]
    publish([task])
    first, second = make_api(), make_api()
    first.login("carer")
    second.login("manager")
    first.sync([event("task.complete", {"task_id": task.id, "outcome": "done"})])
    first.sync(
        [event("task.complete", {"task_id": task.id, "outcome": "refused", "reason": "mệt"})]
    )
    changes = pull_all(second)[0]
    assert [(c["id"], c["data"]["status"], c["version"]) for c in changes] == [
        (str(task.id), "refused", 3)
    ]


def test_it_echoes_an_own_change_that_carries_an_edit_the_device_never_saw(centre, api):
    task = many_tasks(centre.elderly, 1)[0]
    publish([task])
    api.login("carer")
    cursor = pull_all(api)[2]
    task.title = "Tắm nắng (đổi giờ)"
    task.version += 1
    task.save()
    publish([task])  # the phone has not pulled this yet...
    body = api.sync(
        [event("task.complete", {"task_id": task.id, "outcome": "done"})], cursor=cursor
    ).json()
    # ...and its own change supersedes it, so the own change is sent: it carries the title.
    assert [(c["data"]["title"], c["data"]["status"]) for c in body["changes"]] == [
        ("Tắm nắng (đổi giờ)", "done")
    ]


def test_it_sends_conflicts_to_their_author(centre, make_api):
    task = many_tasks(centre.elderly, 1)[0]
    first, second = make_api(), make_api()
    first.login("carer")
    second.login("manager")
    first.sync([event("task.complete", {"task_id": task.id, "outcome": "done"})])
    body = second.sync(
        [event("task.complete", {"task_id": task.id, "outcome": "refused", "reason": "x"})]
    ).json()
    assert body["results"][0]["status"] == "conflict"
    kinds = {c["type"] for c in body["changes"]}
    assert "conflict" in kinds


def test_a_second_user_on_the_same_phone_gets_the_first_users_changes(centre, make_api):
    shared = str(uuid.uuid4())
    morning, evening = make_api(), make_api()
    morning.login("carer", device_id=shared)
    evening.login("manager", device_id=shared)
    cursor = pull_all(evening)[2]
    note_id = str(uuid.uuid4())
    morning.sync(
        [
            event(
                "note.add",
                {
                    "note_id": note_id,
                    "kind": "handover",
                    "text": "Bàn giao",
                    "facility_id": centre.facility.id,
                },
            )
        ]
    )
    assert [c["id"] for c in pull_all(evening, cursor)[0]] == [note_id]
