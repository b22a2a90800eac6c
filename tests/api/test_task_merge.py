"""task.complete merging through the real sync endpoint, two phones, both arrival orders."""

from __future__ import annotations

import pytest

from server.care.models import TaskInstance
from sync.models import Conflict, EventLog
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory


@pytest.fixture
def task(centre):
    return TaskFactory(
        resident=ResidentFactory(area=centre.elderly), kind="custom", title="Thay ga giường"
    )


@pytest.fixture
def phones(make_api):
    one, two = make_api(), make_api()
    one.login("carer")
    two.login("nurse")
    return one, two


def complete(phone, task, outcome, **extra):
    ev = event("task.complete", {"task_id": task.id, "outcome": outcome, **extra})
    body = phone.sync([ev]).json()
    return body["results"][0]


@pytest.mark.parametrize("first_phone", [0, 1])
def test_it_merges_the_same_outcome_from_another_phone(task, phones, first_phone):
    first, second = phones[first_phone], phones[1 - first_phone]
    assert complete(first, task, "done")["status"] == "applied"
    result = complete(second, task, "done")
    assert result["status"] == "merged"
    task.refresh_from_db()
    assert (task.status, str(task.done_device)) == ("done", first.device_id)
    assert Conflict.objects.count() == 0


@pytest.mark.parametrize(
    ("first_outcome", "second_outcome"), [("done", "refused"), ("refused", "done")]
)
@pytest.mark.parametrize("first_phone", [0, 1])
def test_it_opens_a_conflict_for_a_contradictory_outcome(
    task, phones, first_phone, first_outcome, second_outcome
):
    first, second = phones[first_phone], phones[1 - first_phone]
    assert complete(first, task, first_outcome, reason="không muốn")["status"] == "applied"
    result = complete(second, task, second_outcome, reason="không muốn")
    assert (result["status"], result["code"]) == ("conflict", "contradictory_outcome")
    task.refresh_from_db()
    assert task.status == first_outcome  # the first stays until a manager decides
    conflict = Conflict.objects.get(id=result["conflict_id"])
    assert conflict.subject_id == task.id
    assert len(conflict.event_ids) == 2
    # The conflict reaches the managers' phones.
    manager = type(first)()
    manager.login("manager")
    changes = manager.sync().json()["changes"]
    assert any(c["type"] == "conflict" and c["id"] == str(conflict.id) for c in changes)


@pytest.mark.parametrize(
    ("first_outcome", "second_outcome"),
    [("done", "refused"), ("refused", "done"), ("done", "done")],
)
def test_it_treats_the_same_phone_again_as_a_correction_and_keeps_history(
    task, phones, first_outcome, second_outcome
):
    phone = phones[0]
    first = complete(phone, task, first_outcome, reason="mệt")
    second = complete(phone, task, second_outcome, reason="mệt")
    assert (first["status"], second["status"]) == ("applied", "applied")
    task.refresh_from_db()
    assert task.status == second_outcome
    assert [h["status"] for h in task.history] == [first_outcome]
    assert task.history[0]["event"] == first_event_id(first)
    assert Conflict.objects.count() == 0


def first_event_id(result):
    return result["id"]


def test_it_pushes_the_task_change_to_the_other_phone(task, phones):
    one, two = phones
    cursor = two.sync().json()["cursor"]
    complete(one, task, "done")
    changes = two.sync(cursor=cursor).json()["changes"]
    [change] = [c for c in changes if c["type"] == "task"]
    assert (change["id"], change["data"]["status"]) == (str(task.id), "done")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({}, "invalid_args"),
        ({"task_id": "not-a-uuid", "outcome": "done"}, "invalid_args"),
        ({"outcome": "done"}, "invalid_args"),
        ({"task_id": "TASK", "outcome": "eaten"}, "invalid_args"),
        ({"task_id": "TASK", "outcome": "done", "details": "all"}, "invalid_args"),
        ({"task_id": "OTHER", "outcome": "done"}, "not_found"),
        ({"task_id": "FOREIGN", "outcome": "done"}, "not_found"),
    ],
)
def test_it_rejects_bad_completions_and_changes_nothing(centre, task, api, args, code):
    other_area = TaskFactory(resident=ResidentFactory(area=centre.children), kind="custom")
    foreign = TaskFactory(kind="custom")  # another facility
    ids = {"TASK": str(task.id), "OTHER": str(other_area.id), "FOREIGN": str(foreign.id)}
    args = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in args.items()}
    api.login("carer")
    result = api.sync([event("task.complete", args)]).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", code)
    assert set(TaskInstance.objects.values_list("status", flat=True)) == {"pending"}
    assert EventLog.objects.get().status == "rejected"
