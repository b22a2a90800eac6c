"""The board's "stock" section: medicines below their minimum, out of stock, or with a lot
expiring within 30 days, per funding source. Fed by `medicine` and `stock_level` facts; no
database here, like the rest of the projection."""

from __future__ import annotations

from datetime import date
from typing import Any

from server.live.dashboard.rules import SectionView
from server.stock.rules import near_expiry

SECTION = "stock"


class StockSection:
    def __init__(self, view: SectionView, today: date) -> None:
        self.view = view
        self.today = today
        self.medicines: dict[str, dict[str, Any]] = {}
        self.levels: dict[str, dict[str, Any]] = {}

    def medicine(self, medicine_id: str, d: dict[str, Any], *, deleted: bool) -> None:
        self.medicines[medicine_id] = {} if deleted else d
        for level_id, level in self.levels.items():
            if level.get("medicine_id") == medicine_id:
                self._show(level_id, level)

    def level(self, level_id: str, d: dict[str, Any], *, deleted: bool) -> None:
        if deleted:
            self.levels.pop(level_id, None)
            self.view.delete(SECTION, level_id)
            return
        self.levels[level_id] = d
        self._show(level_id, d)

    def _show(self, level_id: str, d: dict[str, Any]) -> None:
        expiry = d.get("earliest_expiry")
        soon = near_expiry(date.fromisoformat(expiry), today=self.today) if expiry else False
        quantity = d.get("quantity") or 0
        if not (d.get("low") or soon):
            self.view.delete(SECTION, level_id)
            return
        medicine = self.medicines.get(d.get("medicine_id") or "", {})
        name = f"{medicine.get('name', '?')} {medicine.get('strength', '')}".strip()
        self.view.set(
            SECTION,
            level_id,
            {
                "medicine_id": d.get("medicine_id"),
                "medicine": name,
                "controlled": bool(medicine.get("controlled")),
                "funding_source": d.get("funding_source"),
                "quantity": quantity,
                "unit": d.get("unit"),
                "out": quantity <= 0,
                "low": bool(d.get("low")),
                "expiring": expiry if soon else None,
            },
        )
