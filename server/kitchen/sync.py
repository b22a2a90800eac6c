"""The kitchen's records phones hold, each declared once (sync/types.py derives the rest).

They are filed under the facility's kitchen area, and their audience is "kitchen": the
kitchen staff see them facility-wide, whatever area they were logged in (the scope provider,
server/accounts/services.py), managers and nurses like any record, carers of other areas not.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from server.kitchen.access import kitchen_area_id
from server.kitchen.models import FoodCheck, FoodSample, FridgeReading, MenuDish
from server.kitchen.serializers import (
    food_check_data,
    food_sample_data,
    fridge_reading_data,
    menu_dish_data,
)
from sync.types import SyncedType, declare, void_standard

KITCHEN = "kitchen"


def kitchen_area(obj: Any, cache: dict) -> UUID | None:
    return kitchen_area_id(obj.facility_id, cache)


declare(
    SyncedType(
        "food_sample",
        FoodSample,
        food_sample_data,
        scope=KITCHEN,
        area=kitchen_area,
        dashboard=(
            "meal",
            "meal_date",
            "dish",
            "taken_at",
            "keep_until",
            "discarded_at",
            "hold",
            "void",
            "taken_by",
            "discarded_by",
        ),
        void=void_standard,
    )
)
declare(
    SyncedType(
        "food_check",
        FoodCheck,
        food_check_data,
        scope=KITCHEN,
        area=kitchen_area,
        void=void_standard,
    )
)
declare(
    SyncedType(
        "fridge_reading", FridgeReading, fridge_reading_data, scope=KITCHEN, area=kitchen_area
    )
)
declare(
    SyncedType(
        "menu_dish",
        MenuDish,
        menu_dish_data,
        scope=KITCHEN,
        area=kitchen_area,
        dashboard=("date", "meal", "dish", "locked"),
    )
)
