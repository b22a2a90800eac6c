"""`stock.receive`, `stock.count`, `stock.adjust` (the dose's share of `med.administer` is in
`server/stock/doses.py`).

Each handler loads the medicine in the user's scope (another centre's is `not_found`, like a
random id), asks `server/stock/rules.py`, then appends moves to the ledger
(`server/stock/services.py`) and emits the level it changed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal, get_args
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import Field

from server.accounts.models import Membership
from server.care.access import load_in_scope
from server.meds.models import FundingSource
from server.stock import rules, services
from server.stock.models import Medicine, StockLevel, StockMove
from server.stock.serializers import number
from sync.protocol import EventArgs
from sync.registry import Decision, HandlerContext, Rejected, register
from sync.types import conflict_about, emit

Source = Literal["bhyt", "budget", "donated", "family", "other"]
# The wire accepts exactly the funding sources an order and a level name (meds' FundingSource).
assert get_args(Source) == tuple(FundingSource.values)
Number = float | int | str
MESSAGES = {
    "stock_mismatch": gettext_lazy("Số kiểm kê khác số trong sổ kho: quản lý trực cần xem xét."),
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


def _shelf(
    ctx: HandlerContext, medicine: Medicine, args: _StockArgs
) -> tuple[services.MedicineStock, StockLevel | None, Any]:
    """The medicine's stock, the source's level if it has one yet, and the lot the event
    names (None when it names none); reads only."""
    stock = services.stock_of(ctx, medicine)
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
    stock = services.stock_of(ctx, medicine)
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
