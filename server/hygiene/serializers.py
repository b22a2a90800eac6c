"""The `data` of the hygiene change types: disinfection rounds and food-vehicle trips."""

from __future__ import annotations

from typing import Any

from server.hygiene.models import DisinfectionRecord, VehicleTrip
from server.wire import row_data

DISINFECTION = (
    "facility_id target area_id task_id chemical concentration_pct product_strength_pct"
    " grams litres active_chlorine_pct basis method note flags by at void"
)
VEHICLE_TRIP = "facility_id area_id returned_at task_id note by at"


def disinfection_data(r: DisinfectionRecord) -> dict[str, Any]:
    return row_data(r, DISINFECTION)


def vehicle_trip_data(t: VehicleTrip) -> dict[str, Any]:
    return row_data(t, VEHICLE_TRIP)
