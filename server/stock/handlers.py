"""`stock.receive`, `stock.count`, `stock.adjust`, and the dose's share of `med.administer`.

Each handler loads the medicine in the user's scope (another centre's is `not_found`, like a
random id), asks `server/stock/rules.py`, then appends moves to the ledger
(`server/stock/services.py`) and emits the level it changed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import Field

from server.accounts.models import Membership
from server.care.access import load_in_scope
from server.stock import rules, services
from server.stock.models import Medicine, StockLevel, StockMove
from server.stock.serializers import number
from sync.conflicts import conflict_open_id
from sync.protocol import EventArgs
from sync.registry import PRELOADED, Decision, HandlerContext, Rejected, register
from sync.types import conflict_about, emit

Source = Literal["bhyt", "budget", "donated", "family", "other"]
Number = float | int | str
MESSAGES = {
    "stock_mismatch": gettext_lazy("Số kiểm kê khác số trong sổ kho: quản lý trực cần xem xét."),
    "stock_out": gettext_lazy("Hết thuốc trong kho của nguồn này: cần bổ sung."),
}


class _StockArgs(EventArgs):
    medicine_id: UUID
    funding_source: Source
    lot: str = Field(default="", max_length=60)
    note: str = Field(default="", max_length=2000)
    witness_id: UUID | None = None


class StockReceiveArgs(_StockArgs):
    receipt_id: UUID
    quantity: Number
    unit: str = Field(max_length=20)
    expiry: date | None = None
    supplier: str = Field(default="", max_length=200)


class StockCountArgs(_StockArgs):
    count_id: UUID
    counted: Number


class StockAdjustArgs(_StockArgs):
    adjustment_id: UUID
    delta: Number
    reason: str = Field(max_length=40)


def _refuse(refusal: rules.Refusal | None) -> None:
    if refusal is not None:
        raise Rejected(refusal.code, refusal.message)


def _number(value: Any, *, unit: str, sign: str) -> Decimal:
    checked = rules.quantity_check(value, unit=unit, sign=sign)
    if isinstance(checked, rules.Refusal):
        raise Rejected(checked.code, checked.message)
    return checked


def _begin(ctx: HandlerContext, args: _StockArgs, ref_id: UUID) -> tuple[Medicine, services.Who]:
    medicine, membership = load_in_scope(ctx, Medicine, args.medicine_id)
    ctx.facility_id = medicine.facility_id
    _refuse(rules.permission_check(membership.role))
    if args.witness_id is not None and not (
        args.witness_id != ctx.user.pk
        and Membership.objects.filter(
            user_id=args.witness_id, facility_id=medicine.facility_id, active=True
        ).exists()
    ):
        raise Rejected(
            "invalid_witness", _("Người chứng kiến phải là nhân viên khác của trung tâm.")
        )
    if StockMove.objects.filter(facility_id=medicine.facility_id, ref_id=ref_id).exists():
        raise Rejected("duplicate_record", _("Mã phiếu kho này đã được dùng cho một bản ghi khác."))
    who = services.Who(
        by=ctx.user,
        at=ctx.event.at,
        recorded_at=ctx.received_at,
        witness_id=args.witness_id,
        event_id=ctx.event.id,
    )
    return medicine, who


def stock_of(ctx: HandlerContext, medicine: Medicine) -> services.MedicineStock:
    """The medicine's levels and lots, loaded once per call. Kept with the call's preloaded
    objects, which the engine drops whenever an event's writes are undone or a handler
    without a preloader wrote, so a stale shelf is never read."""
    key = (services.MedicineStock, str(medicine.id))
    stock = ctx.batch.get(PRELOADED, {}).get(key)
    if stock is None:
        stock = services.MedicineStock.load(medicine)
        ctx.batch.setdefault(PRELOADED, {})[key] = stock
    # Saved at once, not with `ctx.save_later`: the ledger line inserted right after would
    # flush the deferred rows anyway, one temporary table per move.
    return stock


def _shelf(
    ctx: HandlerContext, medicine: Medicine, args: _StockArgs
) -> tuple[services.MedicineStock, StockLevel | None, Any]:
    """The medicine's stock, the source's level if it has one yet, and the lot the event
    names (None when it names none); reads only."""
    stock = stock_of(ctx, medicine)
    level = stock.levels.get(args.funding_source)
    if not args.lot:
        return stock, level, None
    lots = stock.lots_of(level) if level is not None else []
    lot = next((lot for lot in lots if lot.lot == args.lot), None)
    if lot is None:
        raise Rejected("unknown_lot", _("Không có lô thuốc này trong kho của nguồn đã chọn."))
    return stock, level, lot


@register("stock.receive", StockReceiveArgs)
def stock_receive(ctx: HandlerContext, args: StockReceiveArgs) -> Decision:
    medicine, who = _begin(ctx, args, args.receipt_id)
    if args.unit != medicine.unit:
        raise Rejected(
            "unit_mismatch", _("Thuốc này tính theo «%(unit)s».") % {"unit": medicine.unit}
        )
    quantity = _number(args.quantity, unit=medicine.unit, sign="positive")
    _refuse(rules.expiry_check(args.expiry, on=timezone.localdate(ctx.received_at)))
    stock = stock_of(ctx, medicine)
    level = stock.level(args.funding_source)
    services.receive(
        stock,
        level,
        ref_id=args.receipt_id,
        quantity=quantity,
        lot=args.lot,
        expiry=args.expiry,
        who=who,
        supplier=args.supplier,
        note=args.note,
    )
    emit(ctx, level, lots=stock.lots_of(level))
    return Decision()


@register("stock.count", StockCountArgs)
def stock_count(ctx: HandlerContext, args: StockCountArgs) -> Decision:
    medicine, who = _begin(ctx, args, args.count_id)
    counted = _number(args.counted, unit=medicine.unit, sign="nonnegative")
    # Nothing is written (not even an empty level) before every check has passed.
    stock, _found, lot = _shelf(ctx, medicine, args)
    level = stock.level(args.funding_source)
    expected = lot.quantity if lot is not None else level.quantity
    verdict = rules.count_decide(
        expected=expected,
        counted=counted,
        controlled=medicine.controlled,
        tolerance_pct=medicine.tolerance_pct,
    )
    if lot is None and verdict.delta == 0:
        lots = stock.lots_of(level)
        lot = lots[0] if lots else services.lot_get(stock, level, "", None)
    moves = services.adjust(
        stock,
        level,
        verdict.delta,
        kind="count",
        ref_id=args.count_id,
        who=who,
        lot=lot,
        counted=counted,
        note=args.note,
    )
    emit(ctx, level, lots=stock.lots_of(level))
    if not verdict.mismatch:
        return Decision()
    conflict_about(
        ctx,
        level,
        kind="stock_mismatch",
        severity=verdict.severity,
        details={
            "medicine_id": str(medicine.id),
            "drug": str(medicine),
            "funding_source": level.funding_source,
            "lot": args.lot,
            "expected": number(expected),
            "counted": number(counted),
            "delta": number(verdict.delta),
            "controlled": medicine.controlled,
            "moves": [str(m.key) for m in moves],
        },
        message=MESSAGES["stock_mismatch"],
    )
    return Decision(status="conflict", code="stock_mismatch", message=MESSAGES["stock_mismatch"])


@register("stock.adjust", StockAdjustArgs)
def stock_adjust(ctx: HandlerContext, args: StockAdjustArgs) -> Decision:
    medicine, who = _begin(ctx, args, args.adjustment_id)
    delta = _number(args.delta, unit=medicine.unit, sign="nonzero")
    stock, found, lot = _shelf(ctx, medicine, args)
    room = lot.quantity if lot is not None else found and services.available(stock, found)
    _refuse(rules.adjust_check(delta=delta, available=room or Decimal(0), reason=args.reason))
    level = stock.level(args.funding_source)
    services.adjust(
        stock,
        level,
        delta,
        kind="adjustment",
        ref_id=args.adjustment_id,
        who=who,
        lot=lot,
        reason=args.reason,
        note=args.note,
    )
    emit(ctx, level, lots=stock.lots_of(level))
    return Decision()


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
        message=MESSAGES["stock_out"],
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
    stock = stock_of(ctx, medicine)
    level = stock.level(rules.ORDER_SOURCE.get(order.funding_source, "other"))
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
    stock = stock_of(ctx, medicine)
    level = stock.level(taken[0].funding_source)
    lots = {lot.id: lot for lot in stock.lots_of(level)}
    who = services.Who(
        by=ctx.user, at=ctx.event.at, recorded_at=ctx.received_at, event_id=ctx.event.id
    )
    for i, move in enumerate(taken):
        services.put_back(stock, level, lots[move.lot_id], move, index=len(taken) + i, who=who)
    emit(ctx, level, lots=stock.lots_of(level))
