"""Conflict floods: one open conflict per (subject, kind), later disagreeing events join it;
the conflicts API pages through everything, most serious first (docs/care-events.md)."""

from __future__ import annotations

import uuid

import pytest

from server.care.models import TaskInstance
from sync.models import Change, Conflict
from tests.events import event
from tests.factories import MedicationOrderFactory, ResidentFactory, TaskFactory


def phone(make_api, username):
    client = make_api()
    client.login(username)
    return client


def push(client, *events) -> list[dict]:
    response = client.sync(list(events))
    assert response.status_code == 200, response.content
    return response.json()["results"]


def meal_of(centre):
    return TaskFactory(resident=ResidentFactory(area=centre.elderly), kind="meal")


def test_twelve_phones_disagreeing_about_one_meal_make_one_conflict(centre, make_api):
    meal = meal_of(centre)
    first = event("task.complete", {"task_id": meal.id, "outcome": "done"})
    assert push(phone(make_api, "carer"), first)[0]["status"] == "applied"
    results, ids = [], [first["id"]]
    for i in range(12):
        ev = event(
            "task.complete",
            {"task_id": meal.id, "outcome": "partial", "details": {"portion": [25, 50, 75][i % 3]}},
        )
        ids.append(ev["id"])
        results.extend(push(phone(make_api, "nurse" if i % 2 else "manager"), ev))
    assert {r["status"] for r in results} == {"conflict"}
    [conflict] = Conflict.objects.filter(subject_id=meal.id)
    assert {r["conflict_id"] for r in results} == {str(conflict.id)}
    assert sorted(conflict.event_ids) == sorted(ids)
    assert conflict.version == 12
    # Each join is sent again: a manager's phone pulls the conflict at its latest version.
    changes = Change.objects.filter(type="conflict", record_id=conflict.id)
    assert max(c.version for c in changes) == 12
    pulled = phone(make_api, "manager").sync().json()["changes"]
    [sent] = [c for c in pulled if c["type"] == "conflict"]
    assert sorted(sent["data"]["event_ids"]) == sorted(ids)
    assert TaskInstance.objects.get(id=meal.id).status == "done"


def test_a_resolved_conflict_is_not_reopened_by_a_later_event(centre, make_api):
    meal = meal_of(centre)
    push(phone(make_api, "carer"), event("task.complete", {"task_id": meal.id, "outcome": "done"}))
    nurse = phone(make_api, "nurse")
    [first] = push(nurse, event("task.complete", {"task_id": meal.id, "outcome": "skipped"}))
    manager = phone(make_api, "manager")
    resolved = manager.post(
        f"/api/conflicts/{first['conflict_id']}/resolve", {"resolution": "kept_first"}
    )
    assert resolved.status_code == 200, resolved.content
    other = phone(make_api, "carer_children")  # not in the area: rejected, changes nothing
    push(other, event("task.complete", {"task_id": meal.id, "outcome": "refused"}))
    [later] = push(
        manager, event("task.complete", {"task_id": meal.id, "outcome": "refused", "reason": "ốm"})
    )
    assert later["status"] == "conflict" and later["conflict_id"] != first["conflict_id"]
    assert Conflict.objects.filter(subject_id=meal.id).count() == 2


def test_the_api_pages_through_every_conflict_most_serious_first(centre, make_api):
    nurse = phone(make_api, "nurse")
    resident = ResidentFactory(area=centre.elderly)
    order = MedicationOrderFactory(resident=resident)
    dose = TaskFactory(resident=resident, kind="medication", order=order)

    def given():
        args = {"administration_id": str(uuid.uuid4()), "order_id": order.id}
        return event("med.administer", {**args, "task_id": dose.id, "outcome": "given"})

    # An early double dose, then a flood of ordinary conflicts on 520 other subjects.
    assert [r["status"] for r in push(nurse, given(), given())] == ["applied", "conflict"]
    meals = [meal_of(centre) for _ in range(520)]
    carer, manager = phone(make_api, "carer"), phone(make_api, "manager")
    push(
        carer, *[event("task.complete", {"task_id": m.id, "outcome": "done"}) for m in meals[:260]]
    )
    push(
        carer, *[event("task.complete", {"task_id": m.id, "outcome": "done"}) for m in meals[260:]]
    )
    for chunk in (meals[:260], meals[260:]):
        push(
            manager,
            *[event("task.complete", {"task_id": m.id, "outcome": "skipped"}) for m in chunk],
        )
    assert Conflict.objects.filter(status="open").count() == 521

    seen, pages, path = [], 0, "/api/conflicts?status=open"
    while path:
        body = manager.get(path).json()
        pages += 1
        seen.extend(body["items"])
        path = f"/api/conflicts?status=open&cursor={body['next']}" if body["next"] else None
    assert pages == 6  # 100 a page by default
    assert len(seen) == len({c["id"] for c in seen}) == 521
    assert (seen[0]["kind"], seen[0]["severity"]) == ("double_dose", "high")
    opened = [c["opened_at"] for c in seen[1:]]
    assert opened == sorted(opened, reverse=True)
    big = manager.get("/api/conflicts?status=open&limit=10000").json()
    assert (big["count"], big["next"] is not None) == (500, True)


def test_a_bad_cursor_is_refused_with_a_code(centre, make_api):
    response = phone(make_api, "manager").get("/api/conflicts?cursor=not-ours")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_cursor")


@pytest.mark.parametrize("query", ["kind=%00", "status=open%00", "limit=0", "limit=1e99"])
def test_a_hostile_filter_gets_a_json_400(centre, make_api, query):
    response = phone(make_api, "manager").get(f"/api/conflicts?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["code"]
