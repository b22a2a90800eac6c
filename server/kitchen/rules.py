"""Pure kitchen rules (QĐ 1246/QĐ-BYT, docs/domain.md). No database: tested with tables."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal


def sample_keep_until(
    taken_at: datetime, cooking_finished_at: datetime | None, *, keep_hours: int
) -> datetime:
    """A sample is kept at least `keep_hours` from the later of taking it and the end of
    cooking (one reading of the rule counts from the cooking; the stricter one wins)."""
    start = max(taken_at, cooking_finished_at) if cooking_finished_at else taken_at
    return start + timedelta(hours=keep_hours)


def sample_flags(
    *,
    quantity: Decimal,
    unit: str,
    stored_temp_c: Decimal | None,
    min_solid_g: Decimal,
    min_liquid_ml: Decimal,
    fridge_min_c: Decimal,
    fridge_max_c: Decimal,
    liquid: bool | None = None,
) -> tuple[str, ...]:
    """Flags on a recorded sample. The sample physically exists, so it is never refused.

    - below_minimum: under the regulated quantity. The dish decides which: `liquid` is the
      day's menu's word on it (a soup typed in grams is still a soup); only a dish the menu
      does not name (None) is judged by the unit typed. Grams and millilitres are compared
      as they are (1 g ≈ 1 ml for soups and sauces: docs/care-events.md);
    - temp_out_of_range: stored outside the sample fridge's range (2–8 °C).
    """
    flags: list[str] = []
    if liquid is None:
        liquid = unit == "ml"
    minimum = min_liquid_ml if liquid else min_solid_g
    if quantity < minimum:
        flags.append("below_minimum")
    if stored_temp_c is not None and not fridge_min_c <= stored_temp_c <= fridge_max_c:
        flags.append("temp_out_of_range")
    return tuple(flags)


def fridge_flags(
    temp_c: Decimal, *, fridge_min_c: Decimal, fridge_max_c: Decimal
) -> tuple[str, ...]:
    return () if fridge_min_c <= temp_c <= fridge_max_c else ("out_of_range",)


@dataclass(frozen=True)
class SampleState:
    keep_until: datetime
    discarded: bool
    hold: bool
    void: bool


def sample_discard_decide(state: SampleState, at: datetime) -> str:
    """ "void" | "merge" | "on_hold" | "early" | "apply".

    Already discarded: the intent is satisfied (merged). A held sample may not be thrown
    away (rejected). Before keep_until: the discard is recorded (the sample is gone, the
    log must say so) and a conflict `early_discard` is opened.
    """
    if state.void:
        return "void"
    if state.discarded:
        return "merge"
    if state.hold:
        return "on_hold"
    if at < state.keep_until:
        return "early"
    return "apply"


def sample_hold_decide(state: SampleState, *, hold: bool) -> str:
    """ "void" | "discarded" | "merge" | "apply" for putting on or releasing a hold."""
    if state.void:
        return "void"
    if state.hold == hold:
        return "merge"
    if hold and state.discarded:
        return "discarded"
    return "apply"


def cook_to_eat_flags(
    items: Iterable[Mapping[str, object]],
    cooking_finished: Mapping[str, datetime],
    *,
    max_minutes: int,
) -> tuple[str, ...]:
    """Step 3: cooking finished → eating starts over the limit (2 h) is flagged.

    Each item may carry its own `cooking_finished_at`; otherwise the dish's time from the
    step-2 check of the same meal is used (`cooking_finished`, keyed by dish_key).
    """
    limit = timedelta(minutes=max_minutes)
    for item in items:
        eating = item.get("eating_starts_at")
        cooked = item.get("cooking_finished_at") or cooking_finished.get(
            dish_key(str(item.get("dish", "")))
        )
        if (
            isinstance(eating, datetime)
            and isinstance(cooked, datetime)
            and eating - cooked > limit
        ):
            return ("cook_to_eat_over_limit",)
    return ()


def dish_key(name: str) -> str:
    """Dish names are typed by hand: compare them case-, accent-form- and space-insensitively."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def menu_liquid(dish: str, menu: Iterable[tuple[str, bool]]) -> bool | None:
    """Whether the menu (its (dish, liquid) pairs for the sample's day and meal) calls this dish
    liquid; None when the menu does not name it."""
    key = dish_key(dish)
    return next((liquid for name, liquid in menu if dish_key(name) == key), None)


@dataclass(frozen=True)
class ExpectedDish:
    meal: str
    dish: str
    liquid: bool


def samples_missing(
    expected: Iterable[ExpectedDish], sampled: Iterable[tuple[str, str]]
) -> list[ExpectedDish]:
    """The dishes of the locked menu with no (non-void) sample of the same meal."""
    have = {(meal, dish_key(dish)) for meal, dish in sampled}
    return [d for d in expected if (d.meal, dish_key(d.dish)) not in have]
