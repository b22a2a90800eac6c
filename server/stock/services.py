"""Writing the stock ledger. Every change of a lot is one `StockMove` written with it, so a
lot is always the sum of its moves and a level the sum of its lots.

Callers hold the facility's stream lock (a sync call) or run alone (seeding), so the levels
read here are not moved by anybody else before the moves are written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from server.stock import rules
from server.stock.models import Medicine, StockLevel, StockLot, StockMove


@dataclass
class Who:
    """Who moved the stock, when (the phone's word and the server's), for which event."""

    by: Any
    at: datetime
    recorded_at: datetime
    witness_id: Any = None
    event_id: Any = None


def level_for(medicine: Medicine, source: str) -> StockLevel:
    level = StockLevel.objects.select_for_update().filter(medicine=medicine, funding_source=source)
    found = level.first()
    if found is None:
        found = StockLevel.objects.create(
            facility_id=medicine.facility_id, medicine=medicine, funding_source=source
        )
    found.medicine = medicine
    return found


def lots_of(level: StockLevel) -> list[StockLot]:
    return list(StockLot.objects.filter(level=level).order_by("expiry", "lot"))


def as_rule_lots(lots: list[StockLot]) -> list[rules.Lot]:
    return [
        rules.Lot(key=lot.id, quantity=lot.quantity, expiry=lot.expiry, lot=lot.lot) for lot in lots
    ]


def lot_get(level: StockLevel, lots: list[StockLot], code: str, expiry: date | None) -> StockLot:
    for lot in lots:
        if lot.lot == code and lot.expiry == expiry:
            return lot
    lot = StockLot.objects.create(level=level, lot=code, expiry=expiry)
    lots.append(lot)
    return lot


def _move(
    level: StockLevel,
    lot: StockLot,
    *,
    kind: str,
    quantity: Decimal,
    ref_id: uuid.UUID,
    index: int,
    who: Who,
    **extra: Any,
) -> StockMove:
    lot.quantity += quantity
    lot.save(update_fields=["quantity"])
    level.quantity += quantity
    level.version += 1
    level.save(update_fields=["quantity", "version"])
    others = (
        StockLevel.objects.filter(medicine_id=level.medicine_id)
        .exclude(id=level.id)
        .aggregate(total=Sum("quantity"))["total"]
        or 0
    )
    return StockMove.objects.create(
        key=uuid.uuid5(ref_id, f"{kind}:{index}"),
        facility_id=level.facility_id,
        medicine_id=level.medicine_id,
        funding_source=level.funding_source,
        lot=lot,
        kind=kind,
        ref_id=ref_id,
        quantity=quantity,
        balance_after=level.quantity,
        medicine_balance_after=level.quantity + others,
        at=who.at,
        recorded_at=who.recorded_at,
        by=who.by,
        witness_id=who.witness_id,
        event_id=who.event_id,
        **extra,
    )


def receive(
    level: StockLevel,
    *,
    ref_id: uuid.UUID,
    quantity: Decimal,
    lot: str,
    expiry: date | None,
    who: Who,
    supplier: str = "",
    note: str = "",
) -> StockMove:
    target = lot_get(level, lots_of(level), lot, expiry)
    return _move(
        level,
        target,
        kind="receipt",
        quantity=quantity,
        ref_id=ref_id,
        index=0,
        who=who,
        supplier=supplier,
        note=note,
    )


def take(
    level: StockLevel,
    need: Decimal,
    *,
    kind: str,
    ref_id: uuid.UUID,
    who: Who,
    start: int = 0,
    **extra: Any,
) -> tuple[list[StockMove], Decimal]:
    """Take `need` earliest expiry first; what no lot holds is taken from the unlotted lot,
    which may go below zero. Returns the moves and the shortfall."""
    lots = lots_of(level)
    allocation = rules.fefo(as_rule_lots(lots), need)
    by_id = {lot.id: lot for lot in lots}
    moves = [
        _move(
            level,
            by_id[key],
            kind=kind,
            quantity=-qty,
            ref_id=ref_id,
            index=start + i,
            who=who,
            **extra,
        )
        for i, (key, qty) in enumerate(allocation.takes)
    ]
    if allocation.shortfall > 0:
        spare = lot_get(level, lots, "", None)
        moves.append(
            _move(
                level,
                spare,
                kind=kind,
                quantity=-allocation.shortfall,
                ref_id=ref_id,
                index=start + len(moves),
                who=who,
                **extra,
            )
        )
    return moves, allocation.shortfall


def available(level: StockLevel) -> Decimal:
    return sum((lot.quantity for lot in lots_of(level) if lot.quantity > 0), Decimal(0))


def adjust(
    level: StockLevel,
    delta: Decimal,
    *,
    kind: str,
    ref_id: uuid.UUID,
    who: Who,
    lot: StockLot | None = None,
    **extra: Any,
) -> list[StockMove]:
    """A signed change: onto the lot named, else a loss earliest expiry first and a surplus
    onto the unlotted lot."""
    if lot is not None:
        return [
            _move(level, lot, kind=kind, quantity=delta, ref_id=ref_id, index=0, who=who, **extra)
        ]
    if delta < 0:
        return take(level, -delta, kind=kind, ref_id=ref_id, who=who, **extra)[0]
    spare = lot_get(level, lots_of(level), "", None)
    return [
        _move(level, spare, kind=kind, quantity=delta, ref_id=ref_id, index=0, who=who, **extra)
    ]


def level_view(level: StockLevel, *, today: date) -> dict[str, Any]:
    """What a phone and the board read of a level: quantity, low, earliest expiry."""
    lots = as_rule_lots(lots_of(level))
    return {
        "quantity": level.quantity,
        "low": rules.is_low(level.quantity, level.medicine.min_stock),
        "earliest_expiry": rules.earliest_expiry(lots),
        "near_expiry": any(
            rules.near_expiry(lot.expiry, today=today) for lot in lots if lot.quantity > 0
        ),
    }
