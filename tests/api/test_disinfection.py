"""Disinfection rounds (docs/domain.md), the dilution calculator, and vehicle trips."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from server.care.models import TaskInstance
from server.hygiene.handlers import trip_task_id
from server.hygiene.models import DisinfectionRecord, VehicleTrip
from sync.models import EventLog
from tests.events import event
from tests.factories import AreaFactory, TaskFactory


def result_of(api, name, args):
    return api.sync([event(name, args)]).json()["results"][0]


def round_args(**extra):
    return {
        "record_id": str(uuid.uuid4()),
        "target": "area",
        "chemical": "Cloramin B",
        "concentration_pct": 0.25,
        **extra,
    }


@pytest.mark.parametrize(
    ("basis", "grams", "litres", "active", "flags"),
    [
        ("product", None, None, 0.0625, None),  # "0.25 %" of product
        ("active_chlorine", None, None, 0.25, None),  # "0.25 %" active chlorine
        ("product", 25, 10, 0.0625, None),
        ("active_chlorine", 25, 10, 0.0625, ["concentration_mismatch"]),  # mixed 4× too weak
        ("active_chlorine", 100, 10, 0.25, None),
    ],
)
def test_it_records_the_active_chlorine_under_the_facility_basis(
    centre, api, basis, grams, litres, active, flags
):
    centre.facility.settings = {"chlorine_basis": basis}
    centre.facility.save()
    api.login("carer")
    args = round_args(area_id=str(centre.elderly.id), grams=grams, litres=litres, method="lau sàn")
    result = result_of(api, "disinfection.record", {k: v for k, v in args.items() if v is not None})
    assert (result["status"], result.get("flags")) == ("applied", flags)
    record = DisinfectionRecord.objects.get(id=args["record_id"])
    assert (
        float(record.active_chlorine_pct),
        record.basis,
        float(record.product_strength_pct),
    ) == (active, basis, 25.0)
    assert record.by.username == "carer"


def test_it_rounds_what_a_phone_computed_with_floats(centre, api):
    api.login("carer")
    args = round_args(
        area_id=str(centre.elderly.id),
        concentration_pct=0.5,
        grams=166.66666666666666,
        litres=10,
        product_strength_pct=30,
    )
    assert result_of(api, "disinfection.record", args)["status"] == "applied"
    record = DisinfectionRecord.objects.get()
    assert (str(record.grams), str(record.active_chlorine_pct)) == ("166.7", "0.5001")


def test_it_uses_the_product_strength_given(centre, api):
    api.login("carer")
    args = round_args(area_id=str(centre.elderly.id), product_strength_pct=30, grams=50, litres=10)
    assert result_of(api, "disinfection.record", args)["status"] == "applied"
    assert float(DisinfectionRecord.objects.get().active_chlorine_pct) == 0.15


def test_it_files_a_kitchen_round_in_the_kitchen(centre, api, make_api):
    manager = make_api()
    manager.login("manager")
    cursor = manager.sync().json()["cursor"]
    api.login("kitchen")
    assert (
        result_of(api, "disinfection.record", round_args(target="kitchen"))["status"] == "applied"
    )
    record = DisinfectionRecord.objects.get()
    assert record.area_id == centre.kitchen_area.id
    [change] = [
        c for c in manager.sync(cursor=cursor).json()["changes"] if c["type"] == "disinfection"
    ]
    for key in (
        "target",
        "area_id",
        "chemical",
        "concentration_pct",
        "grams",
        "litres",
        "active_chlorine_pct",
        "basis",
        "by",
        "at",
    ):
        assert key in change["data"]


def test_it_completes_the_disinfection_task_it_answers(centre, api, make_api):
    task = TaskFactory(
        resident=None, area=centre.elderly, kind="disinfection", title="Khử khuẩn khu"
    )
    api.login("carer")
    result = result_of(
        api, "disinfection.record", round_args(area_id=str(centre.elderly.id), task_id=str(task.id))
    )
    assert result["status"] == "applied"
    task.refresh_from_db()
    assert (task.status, task.details["record_id"]) == (
        "done",
        str(DisinfectionRecord.objects.get().id),
    )
    # A second round from another phone for the same task: the round is kept, the task merged.
    nurse = make_api()
    nurse.login("nurse")
    second = result_of(
        nurse,
        "disinfection.record",
        round_args(area_id=str(centre.elderly.id), task_id=str(task.id)),
    )
    assert (second["status"], second["flags"]) == ("applied", ["task_already_done"])
    assert DisinfectionRecord.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"record_id": "abc"}, "invalid_args"),
        ({"target": "toilet"}, "invalid_args"),
        ({"concentration_pct": 0}, "invalid_args"),
        ({"concentration_pct": "đặc"}, "invalid_args"),
        ({"grams": -1}, "invalid_args"),
        ({"litres": 0}, "invalid_args"),
        ({"grams": 20000, "litres": 10}, "invalid_args"),  # kilograms typed as grams
        ({"concentration_pct": 100}, "invalid_args"),
        ({"grams": "NaN", "litres": 10}, "invalid_args"),
        ({"area_id": None}, "invalid_args"),  # target=area needs an area
        ({"target": "vehicle"}, "invalid_args"),  # the elderly area is not a vehicle
        ({"area_id": "CHILDREN"}, "not_found"),  # not the carer's area
        ({"area_id": "FOREIGN"}, "not_found"),
        ({"task_id": "MEAL"}, "invalid_args"),
        ({"task_id": str(uuid.uuid4())}, "not_found"),
    ],
)
def test_it_rejects_a_bad_round_and_stores_nothing(centre, api, change, code):
    meal = TaskFactory(area=centre.elderly, resident=None, kind="meal")
    names = {
        "CHILDREN": str(centre.children.id),
        "FOREIGN": str(AreaFactory(facility=centre.other_facility).id),
        "MEAL": str(meal.id),
    }
    args = round_args(area_id=str(centre.elderly.id))
    for key, value in change.items():
        if value is None:
            args.pop(key)
        else:
            args[key] = names.get(value, value) if isinstance(value, str) else value
    api.login("carer")
    result = result_of(api, "disinfection.record", args)
    assert (result["status"], result["code"]) == ("rejected", code)
    assert DisinfectionRecord.objects.count() == 0
    assert TaskInstance.objects.get().status == "pending"
    assert EventLog.objects.get().status == "rejected"


def test_it_makes_a_vehicle_disinfection_due_after_each_trip(centre, api, make_api):
    manager = make_api()
    manager.login("manager")
    cursor = manager.sync().json()["cursor"]
    api.login("kitchen")
    trip_id = uuid.uuid4()
    back = timezone.now() - timedelta(minutes=5)
    args = {
        "trip_id": str(trip_id),
        "area_id": str(centre.vehicle.id),
        "returned_at": back.isoformat(),
    }
    assert result_of(api, "vehicle.trip", args)["status"] == "applied"
    task = TaskInstance.objects.get(id=trip_task_id(trip_id))
    assert (task.kind, task.area_id, task.status, task.due_at) == (
        "disinfection",
        centre.vehicle.id,
        "pending",
        back,
    )
    assert task.window_end == back + timedelta(minutes=60)
    assert VehicleTrip.objects.get().task_id == task.id
    changes = {(c["type"], c["id"]) for c in manager.sync(cursor=cursor).json()["changes"]}
    assert {("task", str(task.id)), ("vehicle_trip", str(trip_id))} <= changes
    # The same trip told again (a second phone, a retry with a new event id): merged.
    assert result_of(api, "vehicle.trip", args)["status"] == "merged"
    # Disinfecting the vehicle closes the trip's task.
    done = result_of(
        api,
        "disinfection.record",
        round_args(
            target="vehicle",
            area_id=str(centre.vehicle.id),
            task_id=str(task.id),
            grams=20,
            litres=1,
        ),
    )
    assert done["status"] == "applied"
    task.refresh_from_db()
    assert task.status == "done"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"area_id": "ELDERLY"}, "not_found"),  # kitchen staff do not cover care areas
        ({"area_id": "KITCHEN"}, "invalid_args"),  # not a vehicle
        ({"returned_at": "sáng nay"}, "invalid_args"),
        ({"trip_id": None}, "invalid_args"),
    ],
)
def test_it_rejects_a_bad_trip(centre, api, change, code):
    names = {"ELDERLY": str(centre.elderly.id), "KITCHEN": str(centre.kitchen_area.id)}
    args = {
        "trip_id": str(uuid.uuid4()),
        "area_id": str(centre.vehicle.id),
        "returned_at": timezone.now().isoformat(),
    }
    for key, value in change.items():
        if value is None:
            args.pop(key)
        else:
            args[key] = names.get(value, value)
    api.login("kitchen")
    assert result_of(api, "vehicle.trip", args)["code"] == code
    assert VehicleTrip.objects.count() == TaskInstance.objects.count() == 0


@pytest.mark.parametrize(
    ("query", "grams", "active"),
    [
        ("litres=10&target_pct=0.5&basis=active_chlorine", 200.0, 0.5),
        ("litres=1&target_pct=0.25&basis=active_chlorine", 10.0, 0.25),
        ("litres=1&target_pct=0.25&basis=product", 2.5, 0.0625),
        ("litres=1&target_pct=0.25", 2.5, 0.0625),  # the facility's basis (default: product)
        ("litres=10&grams=200", 200.0, 0.5),
        ("litres=10&target_pct=0.5&basis=active_chlorine&product_strength_pct=30", 166.7, 0.5001),
    ],
)
def test_it_calculates_a_dilution(centre, api, query, grams, active):
    api.login("carer")
    response = api.get(f"/api/hygiene/dilution?{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["grams"], body["active_chlorine_pct"]) == (grams, active)


def test_it_reads_the_basis_from_the_facility(centre, api):
    centre.facility.settings = {"chlorine_basis": "active_chlorine"}
    centre.facility.save()
    api.login("carer")
    body = api.get("/api/hygiene/dilution?litres=1&target_pct=0.25").json()
    assert (body["basis"], body["grams"]) == ("active_chlorine", 10.0)


@pytest.mark.parametrize(
    "query",
    [
        "target_pct=0.5",
        "litres=0&target_pct=0.5",
        "litres=1&target_pct=-1",
        "litres=1",
        "litres=1&target_pct=0.5&grams=3",
        "litres=1&target_pct=0.5&basis=x",
        "litres=nhiều&target_pct=0.5",
        "litres=1&target_pct=0.5&product_strength_pct=0",
    ],
)
def test_it_refuses_a_bad_dilution_query(centre, api, query):
    api.login("carer")
    response = api.get(f"/api/hygiene/dilution?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_it_needs_a_login_for_the_calculator(api):
    assert api.get("/api/hygiene/dilution?litres=1&target_pct=0.5").status_code == 401


@pytest.mark.parametrize(
    "query",
    [
        "litres=1e-30&target_pct=0.5",
        "litres=1&grams=1e30",
        "litres=1e30&target_pct=0.5",
        "litres=1&target_pct=1e-30",
        "litres=NaN&target_pct=0.5",
        "litres=1&grams=NaN",
        "litres=inf&target_pct=0.5",
        "litres=1&target_pct=-Infinity",
        "litres=1&target_pct=0.5&product_strength_pct=1e-40",
        "litres=1&grams=5&product_strength_pct=sNaN",
    ],
)
def test_extreme_decimals_get_a_json_refusal_not_a_500(centre, api, query):
    api.login("carer")
    response = api.get(f"/api/hygiene/dilution?{query}")
    assert response.status_code in (400, 422), response.content
    assert response.json()["code"] == "invalid_request"
