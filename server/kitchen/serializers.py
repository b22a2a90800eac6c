"""The `data` of the kitchen change types (docs/care-events.md, "Change types")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from server.kitchen.models import FoodCheck, FoodSample, FridgeReading, MenuDish


def _id(value: Any) -> str | None:
    return str(value) if value is not None else None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _num(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def food_sample_data(s: FoodSample) -> dict[str, Any]:
    return {
        "facility_id": _id(s.facility_id),
        "meal": s.meal,
        "meal_date": _iso(s.meal_date),
        "dish": s.dish,
        "portions": s.portions,
        "quantity": _num(s.quantity),
        "unit": s.unit,
        "container_label": s.container_label,
        "stored_temp_c": _num(s.stored_temp_c),
        "taken_at": _iso(s.taken_at),
        "cooking_finished_at": _iso(s.cooking_finished_at),
        "keep_until": _iso(s.keep_until),
        "taken_by": _id(s.taken_by_id),
        "discarded_at": _iso(s.discarded_at),
        "discarded_by": _id(s.discarded_by_id),
        "hold": s.hold,
        "hold_reason": s.hold_reason,
        "flags": s.flags,
        "note": s.note,
        "void": s.void,
    }


def food_check_data(c: FoodCheck) -> dict[str, Any]:
    return {
        "facility_id": _id(c.facility_id),
        "meal": c.meal,
        "meal_date": _iso(c.meal_date),
        "step": c.step,
        "result": c.result,
        "items": c.items,
        "note": c.note,
        "flags": c.flags,
        "by": _id(c.by_id),
        "at": _iso(c.at),
        "void": c.void,
    }


def fridge_reading_data(r: FridgeReading) -> dict[str, Any]:
    return {
        "facility_id": _id(r.facility_id),
        "temp_c": _num(r.temp_c),
        "at": _iso(r.at),
        "by": _id(r.by_id),
        "flags": r.flags,
    }


def menu_dish_data(d: MenuDish) -> dict[str, Any]:
    return {
        "facility_id": _id(d.facility_id),
        "date": _iso(d.date),
        "meal": d.meal,
        "dish": d.dish,
        "liquid": d.liquid,
        "locked": d.locked,
    }
