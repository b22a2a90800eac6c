"""Stock's part of the vocabulary a phone receives in the `facility` change
(`server/care/vocabulary.py`), added by server/stock/apps.py: what the nurse's stock screens
offer and check before sending (server/stock/rules.py checks it all again)."""

from __future__ import annotations

from typing import Any

from server.meds.models import FundingSource
from server.stock import rules

# Adjustment reasons in the order a phone offers them, the usual ones first.
ADJUST_REASON_ORDER = ("expired", "damaged", "lost", "returned", "transfer_out", "other")
# An order's funding source is the stock's (one vocabulary), but an order a phone pulled before
# meds' migration 0006 still names the centre's budget "centre": the migration rewrote the
# stored orders without publishing them, so the phone keeps its copy until the order next
# changes, and maps the old code here (docs/domain.md, "Medicine stock").
ORDER_SOURCE_ALIASES = {"centre": FundingSource.BUDGET.value}


def stock_vocabulary() -> dict[str, Any]:
    assert set(ADJUST_REASON_ORDER) == rules.ADJUST_REASONS
    return {
        "stock_roles": sorted(rules.STOCK_ROLES),
        "stock_sources": list(FundingSource.values),
        "stock_adjust_reasons": list(ADJUST_REASON_ORDER),
        # A medication order's funding source -> the stock's: the same code, and the old one.
        "stock_order_source": {**{s: s for s in FundingSource.values}, **ORDER_SOURCE_ALIASES},
        "stock_limits": {
            "max_quantity": int(rules.MAX_QUANTITY),
            "near_expiry_days": rules.NEAR_EXPIRY_DAYS,
            "max_shelf_years": rules.MAX_SHELF_YEARS,
            "whole_units": sorted(rules.WHOLE_UNITS),
        },
    }
