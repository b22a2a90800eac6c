"""The `data` of the hygiene change types: disinfection rounds and food-vehicle trips."""

from __future__ import annotations

from sync.types import fields_data

disinfection_data = fields_data(
    "facility_id target area_id task_id chemical concentration_pct product_strength_pct"
    " grams litres active_chlorine_pct basis method note flags by at void"
)
vehicle_trip_data = fields_data("facility_id area_id returned_at task_id note by at")
