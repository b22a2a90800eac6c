"""Stock's part of the vocabulary a phone receives in the `facility` change
(`server/care/vocabulary.py`), added by server/stock/apps.py: what the nurse's stock screens
offer and check before sending (server/stock/rules.py checks it all again)."""

from __future__ import annotations

from typing import Any

from server.stock import rules
from server.stock.models import StockSource

# Adjustment reasons in the order a phone offers them, the usual ones first.
ADJUST_REASON_ORDER = ("expired", "damaged", "lost", "returned", "transfer_out", "other")


def stock_vocabulary() -> dict[str, Any]:
    assert set(ADJUST_REASON_ORDER) == rules.ADJUST_REASONS
    return {
        "stock_roles": sorted(rules.STOCK_ROLES),
        "stock_sources": list(StockSource.values),
        "stock_adjust_reasons": list(ADJUST_REASON_ORDER),
        # A medication order's funding source -> the stock's (the centre's budget is "budget").
        "stock_order_source": dict(rules.ORDER_SOURCE),
        "stock_limits": {
            "max_quantity": int(rules.MAX_QUANTITY),
            "near_expiry_days": rules.NEAR_EXPIRY_DAYS,
            "max_shelf_years": rules.MAX_SHELF_YEARS,
            "whole_units": sorted(rules.WHOLE_UNITS),
        },
    }
