"""server/stock/rules.py, by tables: FEFO, counts, quantities, expiry, low stock."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from server.stock import rules

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("lots", "need", "takes", "shortfall"),
    [
        # earliest expiry first, across lots
        ([("a", 5, date(2027, 3, 1)), ("b", 5, date(2027, 1, 1))], 7, [("b", 5), ("a", 2)], 0),
        # a lot with no expiry comes last
        ([("x", 5, None), ("b", 5, date(2027, 1, 1))], 6, [("b", 5), ("x", 1)], 0),
        # empty and negative lots are skipped; what is missing is the shortfall
        (
            [("a", 0, date(2027, 1, 1)), ("u", -2, None), ("b", 1, date(2028, 1, 1))],
            3,
            [("b", 1)],
            2,
        ),
        ([], 1, [], 1),
        ([("a", D("2.5"), date(2027, 1, 1))], D("0.5"), [("a", D("0.5"))], 0),
    ],
)
def test_fefo_takes_earliest_expiry_first(lots, need, takes, shortfall):
    allocation = rules.fefo(
        [rules.Lot(key=k, quantity=D(q), expiry=e, lot=k) for k, q, e in lots], D(need)
    )
    assert allocation.takes == [(k, D(q)) for k, q in takes]
    assert allocation.shortfall == D(shortfall)


@pytest.mark.parametrize(
    ("expected", "counted", "controlled", "tolerance", "verdict"),
    [
        (10, 10, True, 0, (0, False, "normal")),
        (10, 9, True, 50, (-1, True, "high")),  # a controlled drug: any difference
        (100, 98, False, 5, (-2, False, "normal")),  # within 5 %
        (100, 94, False, 5, (-6, True, "normal")),  # over 5 %
        (0, 3, False, 10, (3, True, "normal")),  # something where nothing was
        (20, 21, False, 0, (1, True, "normal")),
    ],
)
def test_count_decides_adjustment_and_mismatch(expected, counted, controlled, tolerance, verdict):
    v = rules.count_decide(
        expected=D(expected), counted=D(counted), controlled=controlled, tolerance_pct=D(tolerance)
    )
    assert (v.delta, v.mismatch, v.severity) == (D(verdict[0]), verdict[1], verdict[2])


@pytest.mark.parametrize(
    ("value", "unit", "sign", "ok"),
    [
        (10, "viên", "positive", D(10)),
        ("2.5", "ml", "positive", D("2.5")),
        (2.5, "viên", "positive", D("2.5")),  # half a tablet is kept
        (2.25, "viên", "positive", None),  # tablets are whole or halves
        (0, "viên", "positive", None),
        (0, "viên", "nonnegative", D(0)),
        (-1, "viên", "nonnegative", None),
        (-3, "viên", "nonzero", D(-3)),
        (0, "ml", "nonzero", None),
        (float("nan"), "ml", "positive", None),
        (float("inf"), "ml", "positive", None),
        ("NaN", "ml", "positive", None),
        ("Infinity", "ml", "positive", None),
        (1e12, "viên", "positive", None),
        ("abc", "ml", "positive", None),
        (True, "viên", "positive", None),
        (None, "viên", "positive", None),
        ("0.0001", "ml", "positive", None),
    ],
)
def test_quantity_is_finite_bounded_and_whole_where_the_unit_is(value, unit, sign, ok):
    checked = rules.quantity_check(value, unit=unit, sign=sign)
    if ok is None:
        assert isinstance(checked, rules.Refusal) and checked.code == "invalid_quantity"
    else:
        assert checked == ok


@pytest.mark.parametrize(
    ("expiry", "code"),
    [
        (None, None),
        (date(2027, 6, 1), None),
        (TODAY, None),
        (date(2026, 11, 29), "invalid_expiry"),  # already expired
        (date(2040, 1, 1), "invalid_expiry"),  # no medicine keeps that long
    ],
)
def test_expiry(expiry, code):
    refusal = rules.expiry_check(expiry, on=TODAY)
    assert (refusal.code if refusal else None) == code


@pytest.mark.parametrize(
    ("quantity", "min_stock", "low"),
    [(0, 0, True), (-1, 0, True), (5, 10, True), (10, 10, False), (11, 10, False)],
)
def test_low_stock(quantity, min_stock, low):
    assert rules.is_low(D(quantity), D(min_stock)) is low


@pytest.mark.parametrize(
    ("expiry", "near"),
    [(None, False), (date(2026, 12, 30), True), (date(2026, 12, 31), False), (TODAY, True)],
)
def test_near_expiry_is_within_30_days(expiry, near):
    assert rules.near_expiry(expiry, today=TODAY) is near


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("nurse", None),
        ("manager", None),
        ("admin", None),
        ("carer", "forbidden"),
        ("kitchen", "forbidden"),
    ],
)
def test_who_moves_stock(role, code):
    refusal = rules.permission_check(role)
    assert (refusal.code if refusal else None) == code


@pytest.mark.parametrize(
    ("delta", "available", "reason", "code"),
    [
        (-2, 5, "damaged", None),
        (-6, 5, "lost", "insufficient_stock"),
        (3, 0, "returned", None),
        (-1, 5, "stolen", "invalid_reason"),
    ],
)
def test_adjust(delta, available, reason, code):
    refusal = rules.adjust_check(delta=D(delta), available=D(available), reason=reason)
    assert (refusal.code if refusal else None) == code
