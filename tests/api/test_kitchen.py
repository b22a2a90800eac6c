"""Food samples, the three-step check and the sample fridge through the sync endpoint
(docs/domain.md), and the expected-samples page."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from server.kitchen.models import FoodCheck, FoodSample, FridgeReading, MenuDish
from sync.models import Conflict, EventLog
from tests.events import event

NOW = timezone.now()


def result_of(api, name, args, at=None):
    return api.sync([event(name, args, at=at)]).json()["results"][0]


def sample_args(**extra):
    args = {
        "sample_id": str(uuid.uuid4()),
        "meal": "lunch",
        "dish": "Canh bí đỏ",
        "quantity": 160,
        "unit": "ml",
        "stored_temp_c": 4,
        "taken_at": (NOW - timedelta(hours=1)).isoformat(),
        "container_label": "Hộp 3",
        "portions": 80,
    }
    args.update(extra)
    return args


@pytest.fixture
def cook(api, centre):
    api.login("kitchen")
    return api


def recorded(cook, **extra):
    args = sample_args(**extra)
    result = result_of(cook, "food_sample.record", args)
    assert result["status"] == "applied", result
    return FoodSample.objects.get(id=args["sample_id"])


def test_it_records_a_sample_keeping_it_24_hours(cook):
    sample = recorded(cook)
    assert sample.keep_until == sample.taken_at + timedelta(hours=24)
    assert sample.flags == []
    assert sample.meal_date == timezone.localdate(sample.taken_at)


def test_it_rounds_a_quantity_and_temperature_typed_with_decimals(cook):
    sample = recorded(cook, quantity=120.46, stored_temp_c=4.25)
    sample.refresh_from_db()
    assert (str(sample.quantity), str(sample.stored_temp_c)) == ("120.5", "4.3")


def test_it_counts_the_keep_time_from_the_end_of_cooking_when_later(cook):
    taken = NOW - timedelta(hours=2)
    sample = recorded(
        cook,
        taken_at=taken.isoformat(),
        cooking_finished_at=(taken + timedelta(minutes=40)).isoformat(),
    )
    assert sample.keep_until == taken + timedelta(hours=24, minutes=40)


@pytest.mark.parametrize(
    ("quantity", "unit", "temp", "flags"),
    [
        (99, "g", 4, ["below_minimum"]),
        (100, "g", 4, []),
        (149, "ml", 4, ["below_minimum"]),
        (150, "ml", 10, ["temp_out_of_range"]),
    ],
)
def test_it_accepts_a_small_sample_but_flags_it(cook, quantity, unit, temp, flags):
    args = sample_args(quantity=quantity, unit=unit, stored_temp_c=temp)
    result = result_of(cook, "food_sample.record", args)
    assert result["status"] == "applied"
    assert result.get("flags", []) == flags
    assert FoodSample.objects.get(id=args["sample_id"]).flags == flags


@pytest.mark.parametrize(
    ("meal", "dish", "quantity", "unit", "flags"),
    [
        # The menu calls the soup liquid: 120 typed in grams is still under 150 ml.
        ("lunch", "Canh chua cá", 120, "g", ["below_minimum"]),
        ("lunch", "  canh CHUA  cá ", 160, "g", []),
        # The menu calls the rice solid: its minimum is 100 g, whatever unit was typed.
        ("lunch", "Cơm trắng", 120, "ml", []),
        ("lunch", "Cơm trắng", 90, "ml", ["below_minimum"]),
        # A dish the menu does not name (or names for another meal): the unit decides.
        ("lunch", "Chè đậu xanh", 120, "g", []),
        ("lunch", "Chè đậu xanh", 120, "ml", ["below_minimum"]),
        ("dinner", "Canh chua cá", 120, "g", []),
    ],
)
def test_the_dish_on_the_menu_decides_the_minimum_not_the_unit(
    centre, cook, meal, dish, quantity, unit, flags
):
    today = timezone.localdate(NOW - timedelta(hours=1))
    for name, liquid in [("Canh chua cá", True), ("Cơm trắng", False)]:
        MenuDish.objects.create(
            facility=centre.facility, date=today, meal="lunch", dish=name, liquid=liquid
        )
    args = sample_args(meal=meal, dish=dish, quantity=quantity, unit=unit)
    result = result_of(cook, "food_sample.record", args)
    assert (result["status"], result.get("flags", [])) == ("applied", flags)
    assert FoodSample.objects.get(id=args["sample_id"]).flags == flags


def test_it_files_samples_in_the_kitchen_so_kitchen_and_managers_see_them_and_carers_do_not(
    centre, cook, make_api
):
    watchers = {}
    for who in ("manager", "carer", "nurse"):
        phone = make_api()
        phone.login(who)
        watchers[who] = (phone, phone.sync().json()["cursor"])
    sample = recorded(cook)
    for who, (phone, cursor) in watchers.items():
        types = {(c["type"], c["id"]) for c in phone.sync(cursor=cursor).json()["changes"]}
        assert (("food_sample", str(sample.id)) in types) == (who != "carer"), who


def test_it_sends_the_sample_data_of_the_wire_contract(cook, make_api):
    manager = make_api()
    manager.login("manager")
    cursor = manager.sync().json()["cursor"]
    sample = recorded(cook, quantity=90, unit="g")
    [change] = [
        c for c in manager.sync(cursor=cursor).json()["changes"] if c["type"] == "food_sample"
    ]
    data = change["data"]
    for key in (
        "facility_id",
        "meal",
        "dish",
        "quantity",
        "unit",
        "taken_at",
        "keep_until",
        "discarded_at",
        "hold",
        "flags",
    ):
        assert key in data
    assert (data["quantity"], data["flags"], data["keep_until"]) == (
        90.0,
        ["below_minimum"],
        sample.keep_until.isoformat(),
    )


def test_it_opens_an_early_discard_conflict_and_still_records_the_discard(cook):
    sample = recorded(cook)
    result = result_of(cook, "food_sample.discard", {"sample_id": str(sample.id)})
    assert (result["status"], result["code"]) == ("conflict", "early_discard")
    sample.refresh_from_db()
    assert sample.discarded_at is not None and "early_discard" in sample.flags
    conflict = Conflict.objects.get(id=result["conflict_id"])
    assert (conflict.kind, conflict.subject_type, conflict.subject_id) == (
        "early_discard",
        "food_sample",
        sample.id,
    )


def test_it_discards_after_keep_until_and_merges_a_second_discard(cook, make_api):
    sample = recorded(cook, taken_at=(NOW - timedelta(hours=25)).isoformat())
    assert (
        result_of(cook, "food_sample.discard", {"sample_id": str(sample.id)})["status"] == "applied"
    )
    manager = make_api()
    manager.login("manager")
    assert (
        result_of(manager, "food_sample.discard", {"sample_id": str(sample.id)})["status"]
        == "merged"
    )
    sample.refresh_from_db()
    assert sample.discarded_by.username == "kitchen"
    assert [h["action"] for h in sample.history] == ["discard"]
    assert Conflict.objects.count() == 0


def test_it_refuses_to_discard_a_held_sample_until_a_manager_releases_it(cook, make_api):
    sample = recorded(cook, taken_at=(NOW - timedelta(hours=30)).isoformat())
    assert (
        result_of(
            cook,
            "food_sample.hold",
            {"sample_id": str(sample.id), "reason": "Nghi ngộ độc thực phẩm"},
        )["status"]
        == "applied"
    )
    refused = result_of(cook, "food_sample.discard", {"sample_id": str(sample.id)})
    assert (refused["status"], refused["code"]) == ("rejected", "on_hold")
    sample.refresh_from_db()
    assert sample.discarded_at is None
    # Kitchen staff cannot lift a hold; the release names the manager and the reason.
    assert (
        result_of(cook, "food_sample.release", {"sample_id": str(sample.id), "reason": "xong"})[
            "code"
        ]
        == "forbidden"
    )
    manager = make_api()
    manager.login("manager")
    assert (
        result_of(manager, "food_sample.release", {"sample_id": str(sample.id)})["code"]
        == "invalid_args"
    )
    assert (
        result_of(
            manager,
            "food_sample.release",
            {"sample_id": str(sample.id), "reason": "Đoàn kiểm tra đã lấy mẫu"},
        )["status"]
        == "applied"
    )
    sample.refresh_from_db()
    assert sample.hold is False
    release = sample.history[-1]
    assert (release["action"], release["by"], release["reason"]) == (
        "release",
        str(manager_id(manager)),
        "Đoàn kiểm tra đã lấy mẫu",
    )
    assert (
        result_of(cook, "food_sample.discard", {"sample_id": str(sample.id)})["status"] == "applied"
    )


def manager_id(phone):
    return phone.get("/api/auth/me").json()["user"]["id"]


def test_it_merges_a_second_hold(cook):
    sample = recorded(cook)
    args = {"sample_id": str(sample.id), "reason": "Nghi ngộ độc"}
    assert result_of(cook, "food_sample.hold", args)["status"] == "applied"
    assert result_of(cook, "food_sample.hold", args)["status"] == "merged"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"sample_id": None}, "invalid_args"),
        ({"meal": "brunch"}, "invalid_args"),
        ({"dish": ""}, "invalid_args"),
        ({"quantity": "nhiều"}, "invalid_args"),
        ({"quantity": -5}, "invalid_args"),
        ({"unit": "kg"}, "invalid_args"),
        ({"taken_at": "hôm qua"}, "invalid_args"),
        ({"taken_at": "2026-11-23T10:00:00"}, "invalid_args"),  # no time zone
        ({"stored_temp_c": "lạnh"}, "invalid_args"),
        ({"facility_id": "FOREIGN"}, "not_found"),
    ],
)
def test_it_rejects_a_bad_sample_and_stores_nothing(centre, cook, change, code):
    args = sample_args()
    for key, value in change.items():
        if value is None:
            args.pop(key)
        else:
            args[key] = str(centre.other_facility.id) if value == "FOREIGN" else value
    result = result_of(cook, "food_sample.record", args)
    assert (result["status"], result["code"]) == ("rejected", code)
    assert FoodSample.objects.count() == 0
    assert EventLog.objects.get().status == "rejected"


def test_it_forbids_carers_from_keeping_food_records(centre, api):
    api.login("carer")
    for name, args in [
        ("food_sample.record", sample_args()),
        (
            "food_check.record",
            {"check_id": str(uuid.uuid4()), "meal": "lunch", "step": 1, "result": "ok"},
        ),
        ("fridge.reading", {"reading_id": str(uuid.uuid4()), "temp_c": 4}),
    ]:
        result = result_of(api, name, args)
        assert (result["status"], result["code"]) == ("rejected", "forbidden"), name
    assert (
        FoodSample.objects.count()
        == FoodCheck.objects.count()
        == FridgeReading.objects.count()
        == 0
    )


def test_it_hides_another_centres_sample(cook, make_api):
    sample = recorded(cook)
    outsider = make_api()
    outsider.login("outsider")
    for name, args in [
        ("food_sample.discard", {"sample_id": str(sample.id)}),
        ("food_sample.hold", {"sample_id": str(sample.id), "reason": "x"}),
        ("record.void", {"record_type": "food_sample", "record_id": str(sample.id), "reason": "x"}),
    ]:
        assert result_of(outsider, name, args)["code"] == "not_found", name
    sample.refresh_from_db()
    assert (sample.discarded_at, sample.hold, sample.void) == (None, False, False)


def check_args(step, items, **extra):
    return {
        "check_id": str(uuid.uuid4()),
        "meal": "lunch",
        "step": step,
        "result": "ok",
        "items": items,
        **extra,
    }


def test_it_records_the_three_steps_with_their_columns(cook):
    cooked = NOW - timedelta(hours=3)
    step1 = check_args(
        1,
        [
            {
                "name": "Thịt heo",
                "part": "fresh",
                "quantity": "5 kg",
                "supplier": "Chợ Bạc Liêu",
                "supplier_phone": "0291 000",
                "deliverer": "Chị Lan",
                "sensory_ok": True,
                "received_at": (NOW - timedelta(hours=5)).isoformat(),
            },
            {"name": "Nước mắm", "part": "dry", "expiry_date": "2027-05-01", "storage": "kho khô"},
        ],
    )
    step2 = check_args(
        2,
        [
            {
                "dish": "Canh bí đỏ",
                "portions": 80,
                "cooking_finished_at": cooked.isoformat(),
                "hygiene_people_ok": True,
                "hygiene_equipment_ok": True,
                "hygiene_area_ok": True,
            }
        ],
    )
    step3_late = check_args(
        3,
        [
            {
                "dish": "canh  BÍ đỏ",
                "portions": 80,
                "eating_starts_at": (cooked + timedelta(hours=2, minutes=30)).isoformat(),
                "utensils_ok": True,
                "covers_ok": True,
            }
        ],
    )
    results = [result_of(cook, "food_check.record", a) for a in (step1, step2, step3_late)]
    assert [r["status"] for r in results] == ["applied"] * 3
    assert results[2]["flags"] == ["cook_to_eat_over_limit"]
    check = FoodCheck.objects.get(id=step1["check_id"])
    assert check.items[1]["expiry_date"] == "2027-05-01"
    assert check.by.username == "kitchen"


def test_it_keeps_a_food_check_append_only(cook):
    args = check_args(1, [{"name": "Rau muống"}])
    assert result_of(cook, "food_check.record", args)["status"] == "applied"
    again = result_of(cook, "food_check.record", {**args, "result": "issue"})
    assert (again["status"], again["code"]) == ("rejected", "duplicate_record")
    assert FoodCheck.objects.get().result == "ok"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (check_args(4, []), "step"),
        (check_args(1, [], result="good"), "result"),
        (check_args(1, [{"quantity": "1 kg"}]), "items.0.name"),
        (check_args(2, [{"dish": "Cá", "portions": "nhiều"}]), "items.0.portions"),
        (check_args(3, [{"dish": "Cá", "eating_starts_at": "trưa"}]), "items.0.eating_starts_at"),
        (check_args(1, "không"), "items"),
    ],
)
def test_it_rejects_a_bad_food_check(cook, args, field):
    result = result_of(cook, "food_check.record", args)
    assert (result["status"], result["code"]) == ("rejected", "invalid_args")
    assert field in [d["field"] for d in result["details"]]
    assert FoodCheck.objects.count() == 0


@pytest.mark.parametrize(
    ("temp", "flags"), [(4, None), (2, None), (9.5, ["out_of_range"]), (-1, ["out_of_range"])]
)
def test_it_logs_the_sample_fridge_and_flags_a_bad_temperature(cook, temp, flags):
    reading_id = str(uuid.uuid4())
    result = result_of(cook, "fridge.reading", {"reading_id": reading_id, "temp_c": temp})
    assert (result["status"], result.get("flags")) == ("applied", flags)
    assert FridgeReading.objects.get(id=reading_id).flags == (flags or [])


@pytest.mark.parametrize(
    "args",
    [
        {"temp_c": 4},
        {"reading_id": "x", "temp_c": 4},
        {"reading_id": str(uuid.uuid4()), "temp_c": "lạnh"},
        {"reading_id": str(uuid.uuid4())},
    ],
)
def test_it_rejects_a_bad_fridge_reading(cook, args):
    assert result_of(cook, "fridge.reading", args)["code"] == "invalid_args"
    assert FridgeReading.objects.count() == 0


def test_it_lists_expected_and_missing_samples_from_the_locked_menu(centre, cook, make_api):
    today = timezone.localdate()
    for meal, dish, liquid in [
        ("lunch", "Cơm", False),
        ("lunch", "Canh bí đỏ", True),
        ("dinner", "Cá kho", False),
    ]:
        MenuDish.objects.create(
            facility=centre.facility, date=today, meal=meal, dish=dish, liquid=liquid, locked=True
        )
    MenuDish.objects.create(
        facility=centre.facility, date=today, meal="snack", dish="Chè", locked=False
    )
    recorded(cook, dish="canh bí đỏ", meal_date=today.isoformat())
    voided = recorded(cook, dish="Cơm", meal_date=today.isoformat())
    FoodSample.objects.filter(id=voided.id).update(void=True)
    body = cook.get(f"/api/kitchen/expected?date={today.isoformat()}").json()
    assert body["menu_locked"] is True
    assert len(body["expected"]) == 3
    assert {(d["meal"], d["dish"]) for d in body["missing"]} == {
        ("lunch", "Cơm"),
        ("dinner", "Cá kho"),
    }
    carer = make_api()
    carer.login("carer")
    assert carer.get("/api/kitchen/expected").status_code == 403
    outsider = make_api()
    outsider.login("outsider")
    assert (
        outsider.get(f"/api/kitchen/expected?facility_id={centre.facility.id}").status_code == 404
    )
    assert make_api().get("/api/kitchen/expected").status_code == 401
    assert cook.get("/api/kitchen/expected?date=hôm-nay").status_code == 400


@pytest.mark.parametrize("name", ["food_check.record", "fridge.reading", "food_sample.record"])
def test_it_answers_not_found_for_another_centre(centre, cook, name):
    args = {
        "food_check.record": check_args(1, [{"name": "Gạo"}]),
        "fridge.reading": {"reading_id": str(uuid.uuid4()), "temp_c": 4},
        "food_sample.record": sample_args(),
    }[name]
    result = result_of(cook, name, {**args, "facility_id": str(centre.other_facility.id)})
    assert (result["status"], result["code"]) == ("rejected", "not_found")
    assert (
        FoodSample.objects.count()
        == FoodCheck.objects.count()
        == FridgeReading.objects.count()
        == 0
    )
