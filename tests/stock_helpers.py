"""Stock events built the way a phone builds them, and the ledger sums the tests check."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db.models import Sum

from server.stock.models import Medicine, StockLevel, StockLot, StockMove
from tests.events import event


def medicine(facility, **extra) -> Medicine:
    fields = {"name": "Paracetamol", "strength": "500mg", "unit": "viên", "min_stock": 10}
    return Medicine.objects.create(facility=facility, **{**fields, **extra})


def receive(med, quantity, *, source="bhyt", lot="L1", expiry="2027-06-30", **extra) -> dict:
    args = {
        "receipt_id": str(uuid.uuid4()),
        "medicine_id": str(med.id),
        "quantity": quantity,
        "unit": med.unit,
        "funding_source": source,
        "lot": lot,
        "expiry": expiry,
        **extra,
    }
    return event("stock.receive", args)


def count(med, counted, *, source="bhyt", **extra) -> dict:
    args = {
        "count_id": str(uuid.uuid4()),
        "medicine_id": str(med.id),
        "funding_source": source,
        "counted": counted,
        **extra,
    }
    return event("stock.count", args)


def adjust(med, delta, *, source="bhyt", reason="damaged", **extra) -> dict:
    args = {
        "adjustment_id": str(uuid.uuid4()),
        "medicine_id": str(med.id),
        "funding_source": source,
        "delta": delta,
        "reason": reason,
        **extra,
    }
    return event("stock.adjust", args)


def level_of(med, source="bhyt") -> Decimal:
    level = StockLevel.objects.filter(medicine=med, funding_source=source).first()
    return level.quantity if level else Decimal(0)


def assert_ledger_adds_up() -> None:
    """Every lot is the sum of its moves, every level the sum of its lots."""
    for lot in StockLot.objects.all():
        moved = StockMove.objects.filter(lot=lot).aggregate(s=Sum("quantity"))["s"] or 0
        assert lot.quantity == moved, lot
    for level in StockLevel.objects.all():
        lots = StockLot.objects.filter(level=level).aggregate(s=Sum("quantity"))["s"] or 0
        moved = (
            StockMove.objects.filter(
                medicine=level.medicine, funding_source=level.funding_source
            ).aggregate(s=Sum("quantity"))["s"]
            or 0
        )
        assert level.quantity == lots == moved, level
        last = (
            StockMove.objects.filter(medicine=level.medicine, funding_source=level.funding_source)
            .order_by("-id")
            .first()
        )
        assert last is None or last.balance_after == level.quantity
