"""Pure stock rules (docs/domain.md, "Medicine stock"). No models, no I/O: the handlers in
`server/stock/handlers.py` and `server/stock/services.py` load, these decide."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from server.accounts.roles import STOCK_ROLES

ADJUST_REASONS = frozenset({"expired", "damaged", "lost", "returned", "transfer_out", "other"})
# Units counted whole, or in halves (a tablet split for a half dose keeps its other half).
# Others (ml, g) take decimals.
WHOLE_UNITS = frozenset(
    {"viên", "ống", "lọ", "gói", "chai", "tuýp", "miếng", "vỉ", "hộp", "túi", "bút", "cái"}
)
MAX_QUANTITY = Decimal(100_000)  # more than a centre holds of anything: a typing error
NEAR_EXPIRY_DAYS = 30
MAX_SHELF_YEARS = 10


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def permission_check(role: str) -> Refusal | None:
    if role in STOCK_ROLES:
        return None
    return Refusal(
        "forbidden", _("Chỉ y tế hoặc quản lý được nhập, kiểm kê hay điều chỉnh kho thuốc.")
    )


def quantity_check(value: Any, *, unit: str, sign: str = "positive") -> Decimal | Refusal:
    """A finite, bounded number of `unit`; whole for units counted whole.
    sign: "positive" (> 0), "nonnegative" (>= 0) or "nonzero" (a signed delta)."""
    bad = Refusal("invalid_quantity", _("Số lượng không hợp lệ."))
    if isinstance(value, bool) or value is None:
        return bad
    if isinstance(value, float) and not math.isfinite(value):
        return bad
    try:
        q = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return bad
    if not q.is_finite() or abs(q) > MAX_QUANTITY:
        return Refusal("invalid_quantity", _("Số lượng quá lớn hoặc không hợp lệ."))
    if q != q.quantize(Decimal("0.001")):
        return Refusal("invalid_quantity", _("Số lượng chỉ lấy tới ba chữ số thập phân."))
    if unit in WHOLE_UNITS and q * 2 != (q * 2).to_integral_value():
        return Refusal(
            "invalid_quantity", _("Đơn vị «%(unit)s» chỉ lấy số nguyên hoặc nửa.") % {"unit": unit}
        )
    if (sign == "positive" and q <= 0) or (sign == "nonnegative" and q < 0):
        return Refusal(
            "invalid_quantity",
            _("Số lượng phải lớn hơn 0.") if sign == "positive" else _("Số lượng không được âm."),
        )
    if sign == "nonzero" and q == 0:
        return Refusal("invalid_quantity", _("Số điều chỉnh phải khác 0."))
    return q


def expiry_check(expiry: date | None, *, on: date) -> Refusal | None:
    """A lot received already expired, or with a date no medicine keeps to, is a mistake."""
    if expiry is None:
        return None
    if expiry < on:
        return Refusal("invalid_expiry", _("Lô thuốc đã hết hạn: không nhập vào kho."))
    if expiry > on + timedelta(days=366 * MAX_SHELF_YEARS):
        return Refusal("invalid_expiry", _("Hạn dùng không hợp lệ (quá 10 năm)."))
    return None


@dataclass(frozen=True)
class Lot:
    key: Any
    quantity: Decimal
    expiry: date | None
    lot: str = ""


@dataclass
class Allocation:
    takes: list[tuple[Any, Decimal]] = field(default_factory=list)
    shortfall: Decimal = Decimal(0)


def fefo_order(lots: Sequence[Lot]) -> list[Lot]:
    """Earliest expiry first; lots with no expiry last; then by lot code (a stable order)."""
    return sorted(lots, key=lambda lot: (lot.expiry is None, lot.expiry or date.max, lot.lot))


def fefo(lots: Sequence[Lot], need: Decimal) -> Allocation:
    """Take `need` from the lots that hold some, earliest expiry first. What they cannot
    cover is the shortfall: the caller flags `no_stock` and still records the dose."""
    out = Allocation()
    left = need
    for lot in fefo_order([lot for lot in lots if lot.quantity > 0]):
        if left <= 0:
            break
        take = min(lot.quantity, left)
        out.takes.append((lot.key, take))
        left -= take
    out.shortfall = max(left, Decimal(0))
    return out


@dataclass(frozen=True)
class CountVerdict:
    delta: Decimal
    mismatch: bool
    severity: str


def count_decide(
    *, expected: Decimal, counted: Decimal, controlled: bool, tolerance_pct: Decimal
) -> CountVerdict:
    """The count becomes the level; the difference is an adjustment. Any difference on a
    controlled drug, or one over the tolerance, is a `stock_mismatch` for the manager."""
    delta = counted - expected
    if delta == 0:
        return CountVerdict(delta, False, "normal")
    if controlled:
        return CountVerdict(delta, True, "high")
    base = abs(expected)
    over = base == 0 or abs(delta) * 100 > base * tolerance_pct
    return CountVerdict(delta, over, "normal")


def adjust_check(*, delta: Decimal, available: Decimal, reason: str) -> Refusal | None:
    if reason not in ADJUST_REASONS:
        return Refusal("invalid_reason", _("Lý do điều chỉnh không hợp lệ."))
    if delta < 0 and -delta > available:
        return Refusal("insufficient_stock", _("Không đủ thuốc trong kho để trừ số này."))
    return None


def is_low(quantity: Decimal, min_stock: Decimal) -> bool:
    return quantity <= 0 or quantity < min_stock


def near_expiry(expiry: date | None, *, today: date, days: int = NEAR_EXPIRY_DAYS) -> bool:
    return expiry is not None and expiry <= today + timedelta(days=days)


def earliest_expiry(lots: Sequence[Lot]) -> date | None:
    dated = [lot.expiry for lot in lots if lot.quantity > 0 and lot.expiry is not None]
    return min(dated) if dated else None
