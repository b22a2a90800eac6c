"""The dose's share of the stock: `med.administer` takes the order's units from the shelf
before it writes (`dose_take`, in meds' DOSE_HOOKS), and a voided dose puts them back
(`dose_return`, in meds' VOID_HOOKS); both added by server/stock/apps.py, so the eMAR imports
no stock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.utils.translation import gettext_lazy

from server.stock import services
from server.stock.models import Medicine, StockLevel, StockMove
from sync.conflicts import conflict_open_id
from sync.registry import PRELOADED, HandlerContext
from sync.types import conflict_about, emit

STOCK_OUT = gettext_lazy("Hết thuốc trong kho của nguồn này: cần bổ sung.")


def _stock_out(ctx: HandlerContext, level: StockLevel, details: dict[str, Any]) -> None:
    """One open alert per (medicine, source) while it lasts; the dose itself is not a conflict."""
    if conflict_open_id(kind="stock_out", subject_id=level.id) is not None:
        return
    keep = ctx.conflict_id
    conflict_about(
        ctx,
        level,
        kind="stock_out",
        severity="normal",
        details={
            "medicine_id": str(level.medicine_id),
            "drug": str(level.medicine),
            "funding_source": level.funding_source,
            **details,
        },
        message=STOCK_OUT,
    )
    ctx.conflict_id = keep


def dose_take(
    ctx: HandlerContext,
    order: Any,
    *,
    administration_id: UUID,
    outcome: str,
    witness_id: UUID | None,
) -> None:
    """Called by `med.administer` before it writes: a dose given takes the order's
    `dose_units` from its funding source, earliest expiry first. Never refuses: with not
    enough left it still takes them (flag `no_stock`) and opens `stock_out`; so does the
    outcome `unavailable`."""
    if order.medicine_id is None or outcome not in {"given", "partial", "unavailable"}:
        return
    key = (services.MedicineStock, str(order.medicine_id))
    cached = ctx.batch.get(PRELOADED, {}).get(key)
    medicine = (
        cached.medicine
        if cached
        else Medicine.objects.get(id=order.medicine_id, facility_id=order.facility_id)
    )
    stock = services.stock_of(ctx, medicine)
    # An order's funding source is a stock level's (one vocabulary: meds' FundingSource).
    level = stock.level(order.funding_source)
    details = {
        "order_id": str(order.id),
        "administration_id": str(administration_id),
        "outcome": outcome,
    }
    if outcome == "unavailable":
        _stock_out(ctx, level, details)
        return
    who = services.Who(
        by=ctx.user,
        at=ctx.event.at,
        recorded_at=ctx.received_at,
        witness_id=witness_id,
        event_id=ctx.event.id,
    )
    _moves, shortfall = services.take(
        stock, level, Decimal(order.dose_units), kind="dose", ref_id=administration_id, who=who
    )
    if shortfall > 0:
        ctx.flag("no_stock")
        _stock_out(ctx, level, details)
    emit(ctx, level, lots=stock.lots_of(level))


def dose_return(ctx: HandlerContext, administration: Any) -> None:
    """A dose voided (record.void, or a later `entered_in_error`) was never given: its units
    go back onto the lots they came from, as `dose` lines with the opposite sign, so the
    month's report nets them out of what was dispensed."""
    taken = list(
        StockMove.objects.filter(
            facility_id=administration.facility_id, ref_id=administration.id
        ).order_by("id")
    )
    if not taken or any(m.quantity > 0 for m in taken):
        return  # moved no stock, or already put back
    medicine = Medicine.objects.get(id=taken[0].medicine_id, facility_id=taken[0].facility_id)
    stock = services.stock_of(ctx, medicine)
    level = stock.level(taken[0].funding_source)
    lots = {lot.id: lot for lot in stock.lots_of(level)}
    who = services.Who(
        by=ctx.user, at=ctx.event.at, recorded_at=ctx.received_at, event_id=ctx.event.id
    )
    for i, move in enumerate(taken):
        services.put_back(stock, level, lots[move.lot_id], move, index=len(taken) + i, who=who)
    emit(ctx, level, lots=stock.lots_of(level))
