"""The `data` of the kitchen change types (docs/care-events.md, "Change types")."""

from __future__ import annotations

from typing import Any

from server.kitchen.models import FoodCheck, FoodSample, FridgeReading, MenuDish
from server.wire import row_data

FOOD_SAMPLE = (
    "facility_id meal meal_date dish portions quantity unit container_label stored_temp_c"
    " taken_at cooking_finished_at keep_until taken_by discarded_at discarded_by hold"
    " hold_reason flags note void"
)
FOOD_CHECK = "facility_id meal meal_date step result items note flags by at void"
FRIDGE_READING = "facility_id temp_c at by flags"
MENU_DISH = "facility_id date meal dish liquid locked"


def food_sample_data(s: FoodSample) -> dict[str, Any]:
    return row_data(s, FOOD_SAMPLE)


def food_check_data(c: FoodCheck) -> dict[str, Any]:
    return row_data(c, FOOD_CHECK)


def fridge_reading_data(r: FridgeReading) -> dict[str, Any]:
    return row_data(r, FRIDGE_READING)


def menu_dish_data(d: MenuDish) -> dict[str, Any]:
    return row_data(d, MENU_DISH)
