"""The `data` of the med_order and med_administration change types (docs/care-events.md)."""

from __future__ import annotations

from typing import Any

from server.meds.models import MedicationOrder
from sync.types import fields_data, row_data

MED_ORDER = (
    "facility_id resident_id drug dose route times prn indication min_interval_minutes"
    " max_per_24h window_minutes controlled funding_source medicine_id dose_units active"
)


def med_order_data(o: MedicationOrder) -> dict[str, Any]:
    units = o.dose_units
    return row_data(o, MED_ORDER) | {
        # The window the rules apply, the order's own or the one its times imply.
        "window_minutes": o.effective_window_minutes(),
        "dose_units": int(units) if units == int(units) else float(units),
    }


med_administration_data = fields_data(
    "facility_id order_id task_id resident_id outcome dose at by witness_id reason note void flags"
)
