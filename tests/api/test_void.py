"""record.void for care, kitchen and hygiene records: the record stays, marked void, and
phones are told."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from server.care.models import Note, TaskInstance
from server.hygiene.models import DisinfectionRecord
from server.kitchen.models import FoodCheck, FoodSample
from sync.models import EventLog
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory


def result_of(api, name, args):
    return api.sync([event(name, args)]).json()["results"][0]


def void(api, record_type, record_id, reason="Ghi nhầm"):
    return result_of(
        api,
        "record.void",
        {"record_type": record_type, "record_id": str(record_id), "reason": reason},
    )


def make_sample(api):
    sample_id = str(uuid.uuid4())
    assert (
        result_of(
            api,
            "food_sample.record",
            {
                "sample_id": sample_id,
                "meal": "lunch",
                "dish": "Cơm",
                "quantity": 120,
                "unit": "g",
                "taken_at": timezone.now().isoformat(),
            },
        )["status"]
        == "applied"
    )
    return FoodSample, sample_id, "food_sample"


def make_check(api):
    check_id = str(uuid.uuid4())
    assert (
        result_of(
            api,
            "food_check.record",
            {
                "check_id": check_id,
                "meal": "lunch",
                "step": 1,
                "result": "ok",
                "items": [{"name": "Gạo"}],
            },
        )["status"]
        == "applied"
    )
    return FoodCheck, check_id, "food_check"


def make_round(api):
    record_id = str(uuid.uuid4())
    assert (
        result_of(
            api,
            "disinfection.record",
            {"record_id": record_id, "target": "kitchen", "concentration_pct": 0.25},
        )["status"]
        == "applied"
    )
    return DisinfectionRecord, record_id, "disinfection"


def make_note(api):
    note_id = str(uuid.uuid4())
    facility_id = api.get("/api/auth/me").json()["facilities"][0]["id"]
    assert (
        result_of(
            api,
            "note.add",
            {
                "note_id": note_id,
                "kind": "observation",
                "text": "Bếp ga rò nhẹ",
                "facility_id": facility_id,
            },
        )["status"]
        == "applied"
    )
    return Note, note_id, "note"


@pytest.mark.parametrize("make", [make_sample, make_check, make_round, make_note])
def test_it_voids_a_record_keeping_it_and_telling_phones(centre, make_api, make):
    cook, manager = make_api(), make_api()
    cook.login("kitchen")
    manager.login("manager")
    model, record_id, record_type = make(cook)
    cursor = manager.sync().json()["cursor"]
    assert void(cook, record_type, record_id)["status"] == "applied"  # the author may void
    record = model.objects.get(id=record_id)
    assert record.void is True and record.void_reason == "Ghi nhầm"
    [change] = [c for c in manager.sync(cursor=cursor).json()["changes"] if c["id"] == record_id]
    assert change["data"]["void"] is True
    again = void(manager, record_type, record_id)
    assert (again["status"], again["code"]) == ("merged", "already_void")


@pytest.mark.parametrize("make", [make_sample, make_check])
def test_it_lets_only_the_author_or_a_manager_void(centre, make_api, make):
    cook, nurse = make_api(), make_api()
    cook.login("kitchen")
    model, record_id, record_type = make(cook)
    nurse.login("nurse")
    assert void(nurse, record_type, record_id)["status"] == "applied"
    assert model.objects.get(id=record_id).void is True


def test_it_refuses_a_void_from_a_carer_who_did_not_write_it(centre, make_api):
    cook, carer = make_api(), make_api()
    cook.login("kitchen")
    _, record_id, _ = make_check(cook)
    carer.login("carer")
    assert void(carer, "food_check", record_id)["code"] == "forbidden"
    assert FoodCheck.objects.get(id=record_id).void is False


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({"record_type": "food_sample", "record_id": "x", "reason": "a"}, "invalid_args"),
        ({"record_type": "food_sample", "record_id": str(uuid.uuid4())}, "invalid_args"),
        (
            {"record_type": "food_sample", "record_id": str(uuid.uuid4()), "reason": ""},
            "invalid_args",
        ),
        ({"record_type": "fridge", "record_id": str(uuid.uuid4()), "reason": "a"}, "invalid_args"),
        (
            {"record_type": "food_sample", "record_id": str(uuid.uuid4()), "reason": "a"},
            "not_found",
        ),
    ],
)
def test_it_rejects_a_bad_void(centre, api, args, code):
    api.login("manager")
    assert result_of(api, "record.void", args)["code"] == code
    assert EventLog.objects.get().status == "rejected"


def test_it_voids_a_task_completion_back_to_pending_with_history(centre, make_api):
    carer, manager, nurse = make_api(), make_api(), make_api()
    carer.login("carer")
    manager.login("manager")
    nurse.login("nurse")
    task = TaskFactory(resident=ResidentFactory(area=centre.elderly), kind="meal")
    assert (
        result_of(
            carer,
            "task.complete",
            {"task_id": str(task.id), "outcome": "done", "details": {"portion": 75}},
        )["status"]
        == "applied"
    )
    cursor = nurse.sync().json()["cursor"]
    assert void(manager, "task", task.id, reason="Ghi nhầm người")["status"] == "applied"
    task.refresh_from_db()
    assert (task.status, task.done_by, task.details) == ("pending", None, {})
    [entry] = task.history
    assert (entry["status"], entry["details"], entry["void"], entry["void_reason"]) == (
        "done",
        {"portion": 75},
        True,
        "Ghi nhầm người",
    )
    [change] = [c for c in nurse.sync(cursor=cursor).json()["changes"] if c["type"] == "task"]
    assert change["data"]["status"] == "pending"
    # Nothing left to void, and it can be completed afresh.
    assert void(manager, "task", task.id)["code"] == "not_completed"
    assert (
        result_of(
            carer, "task.complete", {"task_id": str(task.id), "outcome": "refused", "reason": "ngủ"}
        )["status"]
        == "applied"
    )


def test_it_does_not_let_another_carer_void_a_task_or_reach_another_area(centre, make_api):
    carer, other = make_api(), make_api()
    carer.login("carer")
    task = TaskFactory(resident=ResidentFactory(area=centre.elderly), kind="custom")
    result_of(carer, "task.complete", {"task_id": str(task.id), "outcome": "done"})
    other.login("carer_children")
    assert void(other, "task", task.id)["code"] == "not_found"
    assert TaskInstance.objects.get(id=task.id).status == "done"


def test_it_keeps_a_voided_sample_out_of_the_expected_count_but_in_the_log(centre, api):
    api.login("kitchen")
    _, sample_id, _ = make_sample(api)
    void(api, "food_sample", sample_id)
    sample = FoodSample.objects.get(id=sample_id)
    assert sample.void and sample.dish == "Cơm"
    assert (
        result_of(
            api,
            "food_sample.discard",
            {"sample_id": sample_id, "at": (timezone.now() + timedelta(days=2)).isoformat()},
        )["code"]
        == "void"
    )
