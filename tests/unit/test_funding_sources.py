"""One funding-source vocabulary (meds' FundingSource): an order and a stock level name the same
codes, the wire accepts exactly those, and the phone's order → stock map is each code to itself
plus the old code of the centre's budget, for orders pulled before meds 0006."""

from __future__ import annotations

from typing import get_args

from server.meds.models import FundingSource, MedicationOrder
from server.stock.handlers import Source
from server.stock.models import StockLevel, StockMove
from server.stock.vocabulary import stock_vocabulary

CODES = ["bhyt", "budget", "donated", "family", "other"]


def test_an_order_and_a_stock_level_name_one_vocabulary():
    assert FundingSource.values == CODES
    order = MedicationOrder._meta.get_field("funding_source").choices
    for model in (StockLevel, StockMove):
        assert model._meta.get_field("funding_source").choices == order == FundingSource.choices
    assert list(get_args(Source)) == CODES


def test_the_phone_maps_an_orders_source_to_the_same_stock_and_the_old_code_to_the_budget():
    vocab = stock_vocabulary()
    assert vocab["stock_sources"] == CODES
    assert vocab["stock_order_source"] == {**{c: c for c in CODES}, "centre": "budget"}
