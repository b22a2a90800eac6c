"""Table for the Cloramin B dilution (docs/domain.md), including the "0.25 %" ambiguity."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from server.hygiene.rules import DilutionError, active_chlorine_pct, disinfection_assess, grams_for


@pytest.mark.parametrize(
    ("litres", "target", "basis", "strength", "grams"),
    [
        (D(10), D("0.5"), "active_chlorine", D(25), D(200)),  # the worked example of docs/domain.md
        (D(1), D("0.25"), "active_chlorine", D(25), D(10)),  # 0.25 % active chlorine: 10 g/L
        (D(1), D("0.25"), "product", D(25), D("2.5")),  # 0.25 % of product: 2.5 g/L
        (D(10), D("0.25"), "product", D(30), D(25)),  # product basis ignores the strength
        (D(5), D("1.25"), "active_chlorine", D(25), D(250)),  # epidemic strength
        (D(2), D("0.05"), "active_chlorine", D(30), D("3.3")),
    ],
)
def test_it_computes_grams_of_powder(litres, target, basis, strength, grams):
    assert (
        grams_for(litres=litres, target_pct=target, basis=basis, product_strength_pct=strength)
        == grams
    )


@pytest.mark.parametrize(
    ("grams", "litres", "strength", "pct"),
    [
        (D(200), D(10), D(25), D("0.5")),
        (D("2.5"), D(1), D(25), D("0.0625")),  # "0.25 %" of product is 0.0625 % active chlorine
        (D(10), D(1), D(25), D("0.25")),
        (D(0), D(1), D(25), D(0)),
    ],
)
def test_it_computes_active_chlorine(grams, litres, strength, pct):
    assert active_chlorine_pct(grams=grams, litres=litres, product_strength_pct=strength) == pct


@pytest.mark.parametrize(
    "kwargs",
    [
        {"litres": D(0), "target_pct": D(1), "basis": "product", "product_strength_pct": D(25)},
        {"litres": D(1), "target_pct": D(0), "basis": "product", "product_strength_pct": D(25)},
        {"litres": D(1), "target_pct": D(1), "basis": "percent", "product_strength_pct": D(25)},
        {"litres": D(1), "target_pct": D(1), "basis": "product", "product_strength_pct": D(0)},
        {"litres": D(1), "target_pct": D(1), "basis": "product", "product_strength_pct": D(101)},
    ],
)
def test_it_refuses_impossible_dilutions(kwargs):
    with pytest.raises(DilutionError):
        grams_for(**kwargs)


@pytest.mark.parametrize(
    ("concentration", "basis", "grams", "litres", "active", "flags"),
    [
        (D("0.25"), "product", None, None, D("0.0625"), ()),
        (D("0.25"), "active_chlorine", None, None, D("0.25"), ()),
        (D("0.25"), "product", D("25"), D(10), D("0.0625"), ()),
        (D("0.25"), "active_chlorine", D("25"), D(10), D("0.0625"), ("concentration_mismatch",)),
        (D("0.25"), "active_chlorine", D("100"), D(10), D("0.25"), ()),
        (D("0.25"), "active_chlorine", D("108"), D(10), D("0.27"), ()),  # within 10 %
    ],
)
def test_it_assesses_a_recorded_round(concentration, basis, grams, litres, active, flags):
    result = disinfection_assess(
        concentration_pct=concentration,
        basis=basis,
        product_strength_pct=D(25),
        grams=grams,
        litres=litres,
        tolerance_pct=D(10),
    )
    assert (result.active_chlorine_pct, result.flags) == (active, flags)


def test_it_refuses_a_round_with_more_powder_than_can_dissolve():
    with pytest.raises(DilutionError):
        disinfection_assess(
            concentration_pct=D("0.5"),
            basis="active_chlorine",
            product_strength_pct=D(25),
            grams=D(600),
            litres=D(1),
            tolerance_pct=D(10),
        )
