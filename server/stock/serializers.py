"""The `data` of the medicine and stock_level change types (docs/protocol.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from server.stock.models import Medicine, StockLevel, StockLot


def number(q: Decimal | int | None) -> int | float | None:
    if q is None:
        return None
    q = Decimal(q)
    return int(q) if q == q.to_integral_value() else float(q)


def medicine_data(m: Medicine) -> dict[str, Any]:
    return {
        "facility_id": str(m.facility_id),
        "name": m.name,
        "strength": m.strength,
        "form": m.form,
        "unit": m.unit,
        "controlled": m.controlled,
        "min_stock": number(m.min_stock),
        "tolerance_pct": number(m.tolerance_pct),
        "active": m.active,
    }


def stock_level_data(level: StockLevel, lots: list[StockLot] | None = None) -> dict[str, Any]:
    from server.stock.services import level_view

    lots = list(level.lots.all()) if lots is None else lots
    view = level_view(level, lots, today=timezone.localdate())
    expiry = view["earliest_expiry"]
    return {
        "facility_id": str(level.facility_id),
        "medicine_id": str(level.medicine_id),
        "funding_source": level.funding_source,
        "quantity": number(level.quantity),
        "unit": level.medicine.unit,
        "low": view["low"],
        "earliest_expiry": expiry.isoformat() if expiry else None,
    }
