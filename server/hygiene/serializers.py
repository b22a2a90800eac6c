"""The `data` of the hygiene change types: disinfection rounds and food-vehicle trips."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from server.hygiene.models import DisinfectionRecord, VehicleTrip


def _id(value: Any) -> str | None:
    return str(value) if value is not None else None


def _num(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def disinfection_data(r: DisinfectionRecord) -> dict[str, Any]:
    return {
        "facility_id": _id(r.facility_id),
        "target": r.target,
        "area_id": _id(r.area_id),
        "task_id": _id(r.task_id),
        "chemical": r.chemical,
        "concentration_pct": _num(r.concentration_pct),
        "product_strength_pct": _num(r.product_strength_pct),
        "grams": _num(r.grams),
        "litres": _num(r.litres),
        "active_chlorine_pct": _num(r.active_chlorine_pct),
        "basis": r.basis,
        "method": r.method,
        "note": r.note,
        "flags": r.flags,
        "by": _id(r.by_id),
        "at": r.at.isoformat(),
        "void": r.void,
    }


def vehicle_trip_data(t: VehicleTrip) -> dict[str, Any]:
    return {
        "facility_id": _id(t.facility_id),
        "area_id": _id(t.area_id),
        "returned_at": t.returned_at.isoformat(),
        "task_id": _id(t.task_id),
        "note": t.note,
        "by": _id(t.by_id),
        "at": t.at.isoformat(),
    }
