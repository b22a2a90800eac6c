"""Meals and sun exposure through the sync endpoint: what a completion must carry, and
the bulk meal with exceptions."""

from __future__ import annotations

import pytest
from django.utils import timezone

from server.care.models import TaskInstance
from sync.models import Conflict, EventLog
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory


def result_of(api, name, args):
    return api.sync([event(name, args)]).json()["results"][0]


@pytest.fixture
def meal(centre):
    return TaskFactory(resident=ResidentFactory(area=centre.elderly), kind="meal")


@pytest.fixture
def sun(centre):
    return TaskFactory(
        resident=ResidentFactory(area=centre.elderly, severe_disability=True),
        kind="sun_exposure",
        title="Tắm nắng",
        slot="07:30",
    )


@pytest.mark.parametrize(
    ("args", "status", "field"),
    [
        ({"outcome": "done", "details": {"portion": 100}}, "applied", None),
        ({"outcome": "partial", "details": {"portion": 50}}, "applied", None),
        ({"outcome": "done", "details": {"portion": 0}}, "applied", None),
        ({"outcome": "refused", "reason": "buồn nôn"}, "applied", None),
        ({"outcome": "done"}, "applied", None),  # optional: a meal done was eaten whole
        (
            {"outcome": "done", "details": {"portion": 100, "photo": "x"}},
            "rejected",
            "details.photo",
        ),
        (
            {"outcome": "refused", "reason": "ốm", "details": {"kcal": 1}},
            "rejected",
            "details.kcal",
        ),
        ({"outcome": "done", "details": {"portion": 80}}, "rejected", "details.portion"),
        ({"outcome": "partial", "details": {"portion": "50"}}, "rejected", "details.portion"),
        ({"outcome": "refused"}, "rejected", "reason"),
    ],
)
def test_it_checks_the_portion_or_refusal_reason_of_a_meal(meal, api, args, status, field):
    api.login("carer")
    result = result_of(api, "task.complete", {"task_id": meal.id, **args})
    assert result["status"] == status
    meal.refresh_from_db()
    if field:
        assert result["code"] == "invalid_args"
        assert result["details"][0]["field"] == field
        assert meal.status == "pending"
    else:
        assert meal.status == args["outcome"]
        whole = {"portion": 100} if args["outcome"] == "done" else {}
        assert meal.details == args.get("details", whole)


@pytest.mark.parametrize("first_phone", [0, 1])
def test_it_treats_a_different_portion_from_another_phone_as_a_conflict(
    meal, make_api, first_phone
):
    phones = [make_api(), make_api()]
    phones[0].login("carer")
    phones[1].login("nurse")
    first, second = phones[first_phone], phones[1 - first_phone]
    assert (
        result_of(
            first,
            "task.complete",
            {"task_id": meal.id, "outcome": "done", "details": {"portion": 100}},
        )["status"]
        == "applied"
    )
    same = result_of(
        second,
        "task.complete",
        {"task_id": meal.id, "outcome": "done", "details": {"portion": 100}},
    )
    other = result_of(
        second, "task.complete", {"task_id": meal.id, "outcome": "done", "details": {"portion": 25}}
    )
    assert same["status"] == "merged"
    assert (other["status"], other["code"]) == ("conflict", "contradictory_outcome")
    meal.refresh_from_db()
    assert meal.details == {"portion": 100}


@pytest.mark.parametrize(
    ("args", "status", "field"),
    [
        ({"outcome": "done", "details": {"minutes": 20}}, "applied", None),
        ({"outcome": "skipped", "reason": "rain"}, "applied", None),
        ({"outcome": "skipped", "reason": "in_hospital"}, "applied", None),
        ({"outcome": "done", "details": {"minutes": 0}}, "rejected", "details.minutes"),
        ({"outcome": "done", "details": {"minutes": 241}}, "rejected", "details.minutes"),
        ({"outcome": "done"}, "rejected", "details.minutes"),
        ({"outcome": "skipped"}, "rejected", "reason"),
        ({"outcome": "skipped", "reason": "không thích"}, "rejected", "reason"),
    ],
)
def test_it_checks_the_minutes_or_skip_reason_of_sun_exposure(sun, api, args, status, field):
    api.login("carer")
    result = result_of(api, "task.complete", {"task_id": sun.id, **args})
    assert result["status"] == status
    sun.refresh_from_db()
    assert sun.status == (args["outcome"] if status == "applied" else "pending")
    if field:
        assert result["details"][0]["field"] == field


def test_it_reads_the_sun_exposure_limit_from_the_facility(centre, sun, api):
    centre.facility.settings = {"sun_exposure_max_minutes": 30}
    centre.facility.save()
    api.login("carer")
    assert (
        result_of(
            api, "task.complete", {"task_id": sun.id, "outcome": "done", "details": {"minutes": 45}}
        )["code"]
        == "invalid_args"
    )


@pytest.fixture
def room(centre):
    """Four residents' lunch in the elderly area, one of them in hospital."""
    residents = [ResidentFactory(area=centre.elderly) for _ in range(3)]
    away = ResidentFactory(area=centre.elderly, status="in_hospital")
    today = timezone.localdate()
    tasks = [
        TaskFactory(resident=r, kind="meal", local_date=today, slot="11:00") for r in residents
    ]
    away_task = TaskFactory(
        resident=away, kind="meal", local_date=today, slot="11:00", status="away"
    )
    supper = TaskFactory(resident=residents[0], kind="meal", local_date=today, slot="17:00")
    return {"tasks": tasks, "away": away_task, "supper": supper, "date": today.isoformat()}


def bulk(centre, room, **extra):
    return {"area_id": centre.elderly.id, "local_date": room["date"], "slot": "11:00", **extra}


def test_it_completes_a_whole_area_meal_with_exceptions(centre, room, api):
    api.login("carer")
    refused, half, *_ = room["tasks"]
    result = result_of(
        api,
        "task.complete_bulk",
        bulk(
            centre,
            room,
            exceptions=[
                {"task_id": str(refused.id), "outcome": "refused", "reason": "đau bụng"},
                {"task_id": str(half.id), "outcome": "partial", "details": {"portion": 50}},
            ],
        ),
    )
    assert result["status"] == "applied"
    assert sorted(result["flags"]) == ["applied:3", "away:1"]
    status = {t.id: (t.status, t.details, t.reason) for t in TaskInstance.objects.all()}
    assert status[refused.id] == ("refused", {}, "đau bụng")
    assert status[half.id] == ("partial", {"portion": 50}, "")
    assert status[room["tasks"][2].id] == ("done", {"portion": 100}, "")
    assert status[room["away"].id][0] == "away"  # a resident in hospital is not fed by a tick
    assert status[room["supper"].id][0] == "pending"


def test_it_merges_and_conflicts_per_task_when_another_phone_ticked_first(centre, room, make_api):
    nurse, carer = make_api(), make_api()
    nurse.login("nurse")
    carer.login("carer")
    first, second, third = room["tasks"]
    result_of(
        nurse,
        "task.complete",
        {"task_id": first.id, "outcome": "done", "details": {"portion": 100}},
    )
    result_of(nurse, "task.complete", {"task_id": second.id, "outcome": "refused", "reason": "ngủ"})
    result = result_of(carer, "task.complete_bulk", bulk(centre, room))
    assert (result["status"], result["code"]) == ("conflict", "bulk_partial_conflict")
    assert sorted(result["flags"]) == ["applied:1", "away:1", "conflict:1", "merged:1"]
    conflict = Conflict.objects.get()
    assert (conflict.kind, conflict.subject_id) == ("contradictory_outcome", second.id)
    third.refresh_from_db()
    assert third.status == "done"


def test_it_corrects_a_bulk_from_the_same_phone(centre, room, api):
    api.login("carer")
    result_of(api, "task.complete_bulk", bulk(centre, room))
    again = result_of(api, "task.complete_bulk", bulk(centre, room, details={"portion": 75}))
    assert again["status"] == "applied"
    task = TaskInstance.objects.get(id=room["tasks"][0].id)
    assert task.details == {"portion": 75}
    assert task.history[0]["details"] == {"portion": 100}


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"area_id": "not-a-uuid"}, "invalid_args"),
        ({"slot": "11h"}, "invalid_args"),
        ({"kind": "medication"}, "invalid_args"),
        ({"details": {"portion": 33}}, "invalid_args"),
        ({"exceptions": [{"task_id": "SUPPER", "outcome": "refused", "reason": "x"}]}, "not_found"),
        ({"exceptions": [{"task_id": "FIRST", "outcome": "refused"}]}, "invalid_args"),
        ({"exceptions": [{"outcome": "refused"}]}, "invalid_args"),
        ({"area_id": "CHILDREN"}, "not_found"),
        ({"area_id": "FOREIGN"}, "not_found"),
        ({"slot": "06:00"}, "not_found"),
    ],
)
def test_it_rejects_a_bad_bulk_and_writes_nothing(centre, room, api, extra, code):
    from tests.factories import AreaFactory

    names = {
        "SUPPER": str(room["supper"].id),
        "FIRST": str(room["tasks"][0].id),
        "CHILDREN": str(centre.children.id),
        "FOREIGN": str(AreaFactory(facility=centre.other_facility).id),
    }

    def swap(value):
        if isinstance(value, str):
            return names.get(value, value)
        if isinstance(value, list):
            return [swap(v) for v in value]
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        return value

    api.login("carer")
    result = result_of(api, "task.complete_bulk", bulk(centre, room, **swap(extra)))
    assert (result["status"], result["code"]) == ("rejected", code)
    assert set(TaskInstance.objects.exclude(status="away").values_list("status", flat=True)) == {
        "pending"
    }
    assert Conflict.objects.count() == 0
    assert EventLog.objects.get().status == "rejected"
