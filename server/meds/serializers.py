"""The `data` of the med_order and med_administration change types (docs/care-events.md)."""

from __future__ import annotations

from typing import Any

from server.meds.models import MedicationAdministration, MedicationOrder


def _id(value: Any) -> str | None:
    return str(value) if value is not None else None


def med_order_data(o: MedicationOrder) -> dict[str, Any]:
    return {
        "facility_id": _id(o.facility_id),
        "resident_id": _id(o.resident_id),
        "drug": o.drug,
        "dose": o.dose,
        "route": o.route,
        "times": o.times,
        "prn": o.prn,
        "indication": o.indication,
        "min_interval_minutes": o.min_interval_minutes,
        "max_per_24h": o.max_per_24h,
        "window_minutes": o.effective_window_minutes(),
        "controlled": o.controlled,
        "funding_source": o.funding_source,
        "medicine_id": _id(o.medicine_id),
        "dose_units": int(o.dose_units)
        if o.dose_units == int(o.dose_units)
        else float(o.dose_units),
        "active": o.active,
    }


def med_administration_data(a: MedicationAdministration) -> dict[str, Any]:
    return {
        "facility_id": _id(a.facility_id),
        "order_id": _id(a.order_id),
        "task_id": _id(a.task_id),
        "resident_id": _id(a.resident_id),
        "outcome": a.outcome,
        "dose": a.dose,
        "at": a.at.isoformat(),
        "by": _id(a.by_id),
        "witness_id": _id(a.witness_id),
        "reason": a.reason,
        "note": a.note,
        "void": a.void,
        "flags": a.flags,
    }
