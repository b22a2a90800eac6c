"""A task with its own record closes only through it (docs/care-events.md): a dose only by
med.administer, a disinfection only by disinfection.record. A bare tick used to close both
with no administration, no witness and no round on the record."""

from __future__ import annotations

import uuid

import pytest

from server.care.models import TaskInstance
from server.hygiene.models import DisinfectionRecord
from server.meds.models import MedicationAdministration
from sync.models import EventLog
from tests.events import event
from tests.factories import MedicationOrderFactory, ResidentFactory, TaskFactory


def result_of(api, name, args):
    response = api.sync([event(name, args)])
    assert response.status_code == 200, response.content
    return response.json()["results"][0]


@pytest.fixture
def dose(centre):
    resident = ResidentFactory(area=centre.elderly)
    order = MedicationOrderFactory(resident=resident, drug="Haloperidol 1,5mg", controlled=True)
    return TaskFactory(resident=resident, kind="medication", order=order, title="Haloperidol")


@pytest.fixture
def cleaning(centre):
    return TaskFactory(resident=None, area=centre.elderly, kind="disinfection", title="Khử khuẩn")


@pytest.mark.parametrize("outcome", ["done", "refused", "partial", "skipped", "not_applicable"])
@pytest.mark.parametrize("username", ["carer", "nurse"])
def test_a_dose_is_never_closed_by_a_tick(centre, api, dose, outcome, username):
    api.login(username)
    result = result_of(
        api, "task.complete", {"task_id": dose.id, "outcome": outcome, "reason": "ốm"}
    )
    assert (result["status"], result["code"]) == ("rejected", "use_med_administer")
    dose.refresh_from_db()
    assert (dose.status, dose.done_event) == ("pending", None)
    assert not MedicationAdministration.objects.exists()
    assert EventLog.objects.get(id=result["id"]).status == "rejected"


@pytest.mark.parametrize("outcome", ["done", "partial", "refused"])
def test_a_disinfection_is_done_only_by_its_round(centre, api, cleaning, outcome):
    api.login("carer")
    result = result_of(
        api, "task.complete", {"task_id": cleaning.id, "outcome": outcome, "reason": "x"}
    )
    assert (result["status"], result["code"]) == ("rejected", "use_disinfection_record")
    cleaning.refresh_from_db()
    assert cleaning.status == "pending"
    assert not DisinfectionRecord.objects.exists()


def test_a_disinfection_may_still_be_skipped_with_a_reason(centre, api, cleaning):
    api.login("carer")
    bare = result_of(api, "task.complete", {"task_id": cleaning.id, "outcome": "skipped"})
    assert (bare["status"], bare["code"]) == ("rejected", "invalid_args")
    assert bare["details"][0]["field"] == "reason"
    result = result_of(
        api,
        "task.complete",
        {"task_id": cleaning.id, "outcome": "not_applicable", "reason": "khu đang sửa"},
    )
    assert result["status"] == "applied"
    assert TaskInstance.objects.get(id=cleaning.id).status == "not_applicable"


def test_the_round_still_closes_its_task(centre, api, cleaning):
    api.login("carer")
    args = {
        "record_id": str(uuid.uuid4()),
        "target": "area",
        "area_id": str(centre.elderly.id),
        "concentration_pct": 0.25,
        "task_id": str(cleaning.id),
    }
    assert result_of(api, "disinfection.record", args)["status"] == "applied"
    assert TaskInstance.objects.get(id=cleaning.id).status == "done"


def test_the_bulk_meal_cannot_reach_a_dose(centre, api, dose):
    """The bulk completion names meals only; a dose named as an exception is not in it."""
    meal = TaskFactory(resident=dose.resident, kind="meal", slot=dose.slot)
    api.login("carer")
    result = result_of(
        api,
        "task.complete_bulk",
        {
            "area_id": centre.elderly.id,
            "local_date": str(dose.local_date),
            "slot": dose.slot,
            "exceptions": [{"task_id": str(dose.id), "outcome": "done"}],
        },
    )
    assert (result["status"], result["code"]) == ("rejected", "not_found")
    kind_dose = result_of(
        api,
        "task.complete_bulk",
        {
            "area_id": centre.elderly.id,
            "local_date": str(dose.local_date),
            "slot": dose.slot,
            "kind": "medication",
        },
    )
    assert (kind_dose["status"], kind_dose["code"]) == ("rejected", "invalid_args")
    dose.refresh_from_db()
    meal.refresh_from_db()
    assert (dose.status, meal.status) == ("pending", "pending")


def test_a_dose_closed_by_a_bare_tick_before_the_rule_can_be_voided(centre, api, dose):
    """Ticks stored before this rule left doses `done` with no administration: a nurse can
    undo them (the void is in the history), while a real eMAR line is voided only as one."""
    dose.status, dose.done_event, dose.done_by = "done", uuid.uuid4(), centre.carer
    dose.save()
    api.login("nurse")
    args = {"record_type": "task", "record_id": dose.id, "reason": "ghi nhầm"}
    assert result_of(api, "record.void", args)["status"] == "applied"
    dose.refresh_from_db()
    assert (dose.status, dose.history[-1]["void"]) == ("pending", True)
    given = {
        "administration_id": str(uuid.uuid4()),
        "order_id": dose.order_id,
        "task_id": dose.id,
        "outcome": "given",
        "witness_id": centre.manager.id,
    }
    assert result_of(api, "med.administer", given)["status"] == "applied"
    again = result_of(api, "record.void", args)
    assert (again["status"], again["code"]) == ("rejected", "invalid_args")
