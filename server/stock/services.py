"""Writing the stock ledger. Every change of a lot is one `StockMove` written with it, so a
lot is always the sum of its moves and a level the sum of its lots.

A `MedicineStock` is one medicine's levels and lots, loaded (and locked) once; a sync call
keeps it for all its events (`stock_of`), so a round of 200 doses does not read the same
shelf 200 times. Callers hold the facility's stream lock (a sync call) or run alone
(seeding), so nobody moves these rows between the load and the writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from server.stock import rules
from server.stock.models import Medicine, StockLevel, StockLot, StockMove
from sync.registry import PRELOADED, HandlerContext

Save = Callable[[Any, list[str]], None]


def save_now(obj: Any, fields: list[str]) -> None:
    """An UPDATE by id and facility (every row saved here has one), so that the statement
    names its facility (docs/performance.md, "Distributing by facility")."""
    type(obj).objects.filter(id=obj.id, facility_id=obj.facility_id).update(
        **{name: getattr(obj, name) for name in fields}
    )


@dataclass
class Who:
    """Who moved the stock, when (the phone's word and the server's), for which event."""

    by: Any
    at: datetime
    recorded_at: datetime
    witness_id: Any = None
    event_id: Any = None


@dataclass
class MedicineStock:
    medicine: Medicine
    levels: dict[str, StockLevel] = field(default_factory=dict)
    lots: dict[uuid.UUID, list[StockLot]] = field(default_factory=dict)
    save: Save = save_now

    @classmethod
    def load(cls, medicine: Medicine, save: Save = save_now) -> MedicineStock:
        levels = list(
            StockLevel.objects.select_for_update().filter(
                facility_id=medicine.facility_id, medicine=medicine
            )
        )
        stock = cls(medicine, {lv.funding_source: lv for lv in levels}, save=save)
        for level in levels:
            level.medicine = medicine
            stock.lots[level.id] = []
        lots = StockLot.objects.filter(facility_id=medicine.facility_id, level__in=levels)
        for lot in lots.order_by("expiry", "lot"):
            stock.lots[lot.level_id].append(lot)
        return stock

    def level(self, source: str) -> StockLevel:
        if source not in self.levels:
            level = StockLevel.objects.create(
                facility_id=self.medicine.facility_id, medicine=self.medicine, funding_source=source
            )
            level.medicine = self.medicine
            self.levels[source] = level
            self.lots[level.id] = []
        return self.levels[source]

    def lots_of(self, level: StockLevel) -> list[StockLot]:
        return self.lots[level.id]

    def total(self) -> Decimal:
        return sum((lv.quantity for lv in self.levels.values()), Decimal(0))


def stock_of(ctx: HandlerContext, medicine: Medicine) -> MedicineStock:
    """The medicine's levels and lots, loaded once per call. Kept with the call's preloaded
    objects, which the engine drops whenever an event's writes are undone or a handler
    without a preloader wrote, so a stale shelf is never read."""
    key = (MedicineStock, str(medicine.id))
    stock = ctx.batch.get(PRELOADED, {}).get(key)
    if stock is None:
        stock = MedicineStock.load(medicine)
        ctx.batch.setdefault(PRELOADED, {})[key] = stock
    # Saved at once, not with `ctx.save_later`: the ledger line inserted right after would
    # flush the deferred rows anyway, one temporary table per move.
    return stock


def lot_get(stock: MedicineStock, level: StockLevel, code: str, expiry: date | None) -> StockLot:
    for lot in stock.lots_of(level):
        if lot.lot == code and lot.expiry == expiry:
            return lot
    lot = StockLot.objects.create(
        facility_id=level.facility_id, level=level, lot=code, expiry=expiry
    )
    stock.lots_of(level).append(lot)
    return lot


def as_rule_lots(lots: list[StockLot]) -> list[rules.Lot]:
    return [
        rules.Lot(key=lot.id, quantity=lot.quantity, expiry=lot.expiry, lot=lot.lot) for lot in lots
    ]


def _move(
    stock: MedicineStock,
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
    stock.save(lot, ["quantity"])
    level.quantity += quantity
    level.version += 1
    stock.save(level, ["quantity", "version"])
    return StockMove.objects.create(
        # The phone's id is new per facility (the lookup names it), so the key names it too.
        key=uuid.uuid5(ref_id, f"{level.facility_id}:{kind}:{index}"),
        facility_id=level.facility_id,
        medicine_id=level.medicine_id,
        funding_source=level.funding_source,
        lot=lot,
        kind=kind,
        ref_id=ref_id,
        quantity=quantity,
        balance_after=level.quantity,
        medicine_balance_after=stock.total(),
        at=who.at,
        recorded_at=who.recorded_at,
        by=who.by,
        witness_id=who.witness_id,
        event_id=who.event_id,
        **extra,
    )


def receive(
    stock: MedicineStock,
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
    target = lot_get(stock, level, lot, expiry)
    return _move(
        stock,
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
    stock: MedicineStock,
    level: StockLevel,
    need: Decimal,
    *,
    kind: str,
    ref_id: uuid.UUID,
    who: Who,
    **extra: Any,
) -> tuple[list[StockMove], Decimal]:
    """Take `need` earliest expiry first; what no lot holds is taken from the unlotted lot,
    which may go below zero. Returns the moves and the shortfall."""
    lots = stock.lots_of(level)
    allocation = rules.fefo(as_rule_lots(lots), need)
    by_id = {lot.id: lot for lot in lots}
    moves = [
        _move(
            stock,
            level,
            by_id[key],
            kind=kind,
            quantity=-qty,
            ref_id=ref_id,
            index=i,
            who=who,
            **extra,
        )
        for i, (key, qty) in enumerate(allocation.takes)
    ]
    if allocation.shortfall > 0:
        spare = lot_get(stock, level, "", None)
        moves.append(
            _move(
                stock,
                level,
                spare,
                kind=kind,
                quantity=-allocation.shortfall,
                ref_id=ref_id,
                index=len(moves),
                who=who,
                **extra,
            )
        )
    return moves, allocation.shortfall


def put_back(
    stock: MedicineStock, level: StockLevel, lot: StockLot, move: StockMove, *, index: int, who: Who
) -> StockMove:
    """The opposite of one line, onto the same lot, under the same reference."""
    return _move(
        stock,
        level,
        lot,
        kind=move.kind,
        quantity=-move.quantity,
        ref_id=move.ref_id,
        index=index,
        who=who,
        note="Hoàn lại: bản ghi cấp phát bị hủy",
    )


def available(stock: MedicineStock, level: StockLevel) -> Decimal:
    return sum((lot.quantity for lot in stock.lots_of(level) if lot.quantity > 0), Decimal(0))


def adjust(
    stock: MedicineStock,
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
    if lot is None and delta < 0:
        return take(stock, level, -delta, kind=kind, ref_id=ref_id, who=who, **extra)[0]
    target = lot if lot is not None else lot_get(stock, level, "", None)
    return [
        _move(
            stock,
            level,
            target,
            kind=kind,
            quantity=delta,
            ref_id=ref_id,
            index=0,
            who=who,
            **extra,
        )
    ]


def level_view(level: StockLevel, lots: list[StockLot], *, today: date) -> dict[str, Any]:
    """What a phone and the board read of a level: quantity, low, earliest expiry."""
    plain = as_rule_lots(lots)
    return {
        "quantity": level.quantity,
        "low": rules.is_low(level.quantity, level.medicine.min_stock),
        "earliest_expiry": rules.earliest_expiry(plain),
    }
