"""Cloramin B dilution (docs/domain.md). Pure arithmetic, tested with a table.

grams of powder = target active-chlorine % × litres ÷ product active-chlorine % × 1000
(10 L at 0.5 % active chlorine from 25 % powder → 200 g).

"0.25 %" is ambiguous: a procedure may mean 0.25 % *of product* (2.5 g per litre, about
0.0625 % active chlorine) or 0.25 % *active chlorine* (10 g per litre with 25 % powder).
`basis` says which: "product" or "active_chlorine" (facility setting `chlorine_basis`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

BASES = ("product", "active_chlorine")
_GRAM = Decimal("0.1")
_PCT = Decimal("0.0001")


class DilutionError(ValueError):
    pass


# What a real round can be: the same bounds as a recorded disinfection round. Outside them
# the arithmetic means nothing (1e-30 L) or cannot be represented (1e30 g, NaN, infinity).
DILUTION_BOUNDS = {
    "litres": (Decimal("0.01"), Decimal("100000")),
    "grams": (Decimal("0"), Decimal("100000")),
    "target_pct": (Decimal("0.0001"), Decimal("100")),
    "product_strength_pct": (Decimal("0.01"), Decimal("100")),
}


def dilution_inputs_check(**values: Decimal | None) -> None:
    """Refuse (DilutionError) a calculator input that is not a finite number in its bounds."""
    for name, value in values.items():
        if value is None:
            continue
        low, high = DILUTION_BOUNDS[name]
        if not value.is_finite() or not low <= value <= high:
            raise DilutionError(f"{name} must be a number from {low} to {high}")


def active_pct_of(target_pct: Decimal, *, basis: str, product_strength_pct: Decimal) -> Decimal:
    """The active-chlorine % that `target_pct` means under `basis`."""
    if basis not in BASES:
        raise DilutionError(f"unknown basis {basis!r}")
    if product_strength_pct <= 0 or product_strength_pct > 100:
        raise DilutionError("product strength must be in (0, 100]")
    if basis == "active_chlorine":
        return target_pct
    return target_pct * product_strength_pct / 100


def grams_for(
    *, litres: Decimal, target_pct: Decimal, basis: str, product_strength_pct: Decimal
) -> Decimal:
    """Grams of powder for `litres` of solution at `target_pct` (read under `basis`)."""
    if litres <= 0 or target_pct <= 0:
        raise DilutionError("litres and target % must be positive")
    active = active_pct_of(target_pct, basis=basis, product_strength_pct=product_strength_pct)
    return (active * litres / product_strength_pct * 1000).quantize(_GRAM, rounding=ROUND_HALF_UP)


def active_chlorine_pct(
    *, grams: Decimal, litres: Decimal, product_strength_pct: Decimal
) -> Decimal:
    """The active-chlorine % of `grams` of powder in `litres` of water."""
    if litres <= 0 or grams < 0:
        raise DilutionError("litres must be positive and grams not negative")
    if product_strength_pct <= 0 or product_strength_pct > 100:
        raise DilutionError("product strength must be in (0, 100]")
    return (grams * product_strength_pct / (litres * 1000)).quantize(_PCT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RoundAssessment:
    active_chlorine_pct: Decimal | None
    flags: tuple[str, ...]


def disinfection_assess(
    *,
    concentration_pct: Decimal,
    basis: str,
    product_strength_pct: Decimal,
    grams: Decimal | None,
    litres: Decimal | None,
    tolerance_pct: Decimal,
) -> RoundAssessment:
    """The active-chlorine % of a recorded round, and whether its numbers agree.

    When grams and litres are known they are what was really mixed, so they win; the
    stated % (read under the facility's basis) is compared with them and a difference over
    `tolerance_pct` (relative) is flagged `concentration_mismatch`.
    """
    stated = active_pct_of(
        concentration_pct, basis=basis, product_strength_pct=product_strength_pct
    )
    if grams is None or litres is None:
        return RoundAssessment(stated.quantize(_PCT, rounding=ROUND_HALF_UP), ())
    mixed = active_chlorine_pct(
        grams=grams, litres=litres, product_strength_pct=product_strength_pct
    )
    if grams * 2 > litres * 1000:
        # Over 500 g of powder per litre cannot be a disinfecting solution: a typo (kg for g,
        # ml for L). Refusing it also keeps the computed % inside what the column holds.
        raise DilutionError("over 500 g of powder per litre")
    flags: tuple[str, ...] = ()
    if stated > 0 and abs(mixed - stated) / stated * 100 > tolerance_pct:
        flags = ("concentration_mismatch",)
    return RoundAssessment(mixed, flags)
