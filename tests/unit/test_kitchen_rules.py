"""Tables for the kitchen rules (docs/domain.md): sample keep time, flags, discard and hold,
cook-to-eat time, the fridge, and missing samples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from server.kitchen.rules import (
    ExpectedDish,
    SampleState,
    cook_to_eat_flags,
    dish_key,
    fridge_flags,
    menu_liquid,
    sample_discard_decide,
    sample_flags,
    sample_hold_decide,
    sample_keep_until,
    samples_missing,
)

T = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("taken_at", "cooked_at", "hours", "expected"),
    [
        (T, None, 24, T + timedelta(hours=24)),
        (T, T - timedelta(hours=1), 24, T + timedelta(hours=24)),  # taken after cooking
        (T, T + timedelta(minutes=30), 24, T + timedelta(hours=24, minutes=30)),  # the later one
        (T, None, 48, T + timedelta(hours=48)),
    ],
)
def test_it_keeps_a_sample_24_hours_from_the_later_time(taken_at, cooked_at, hours, expected):
    assert sample_keep_until(taken_at, cooked_at, keep_hours=hours) == expected


LIMITS = {
    "min_solid_g": D(100),
    "min_liquid_ml": D(150),
    "fridge_min_c": D(2),
    "fridge_max_c": D(8),
}


@pytest.mark.parametrize(
    ("quantity", "unit", "temp", "flags"),
    [
        (D(100), "g", D(4), ()),
        (D("99.9"), "g", D(4), ("below_minimum",)),
        (D(120), "ml", None, ("below_minimum",)),  # liquids need 150 ml
        (D(150), "ml", None, ()),
        (D(100), "g", D("1.9"), ("temp_out_of_range",)),
        (D(100), "g", D(2), ()),
        (D(100), "g", D(8), ()),
        (D(100), "g", D("8.1"), ("temp_out_of_range",)),
        (D(50), "ml", D(12), ("below_minimum", "temp_out_of_range")),
    ],
)
def test_it_flags_a_sample(quantity, unit, temp, flags):
    assert sample_flags(quantity=quantity, unit=unit, stored_temp_c=temp, **LIMITS) == flags


@pytest.mark.parametrize(
    ("temp", "flags"),
    [(D(5), ()), (D(2), ()), (D(8), ()), (D("8.5"), ("out_of_range",)), (D(-1), ("out_of_range",))],
)
def test_it_flags_a_fridge_reading(temp, flags):
    assert fridge_flags(temp, fridge_min_c=D(2), fridge_max_c=D(8)) == flags


KEEP = T + timedelta(hours=24)


@pytest.mark.parametrize(
    ("discarded", "hold", "void", "at", "verdict"),
    [
        (False, False, False, KEEP + timedelta(minutes=1), "apply"),
        (False, False, False, KEEP, "apply"),
        (False, False, False, KEEP - timedelta(minutes=1), "early"),
        (False, True, False, KEEP + timedelta(days=3), "on_hold"),
        (False, True, False, KEEP - timedelta(hours=1), "on_hold"),
        (True, False, False, KEEP + timedelta(hours=1), "merge"),
        (True, True, False, KEEP + timedelta(hours=1), "merge"),
        (False, False, True, KEEP + timedelta(hours=1), "void"),
    ],
)
def test_it_decides_a_discard(discarded, hold, void, at, verdict):
    state = SampleState(keep_until=KEEP, discarded=discarded, hold=hold, void=void)
    assert sample_discard_decide(state, at) == verdict


@pytest.mark.parametrize(
    ("discarded", "held", "void", "hold", "verdict"),
    [
        (False, False, False, True, "apply"),
        (False, True, False, True, "merge"),
        (False, True, False, False, "apply"),
        (False, False, False, False, "merge"),
        (True, False, False, True, "discarded"),
        (False, False, True, True, "void"),
    ],
)
def test_it_decides_a_hold_or_release(discarded, held, void, hold, verdict):
    state = SampleState(keep_until=KEEP, discarded=discarded, hold=held, void=void)
    assert sample_hold_decide(state, hold=hold) == verdict


@pytest.mark.parametrize(
    ("items", "cooked", "flags"),
    [
        ([{"dish": "Canh chua", "eating_starts_at": T + timedelta(hours=2)}], {"canh chua": T}, ()),
        (
            [{"dish": "Canh chua", "eating_starts_at": T + timedelta(hours=2, minutes=1)}],
            {"canh chua": T},
            ("cook_to_eat_over_limit",),
        ),
        (
            [{"dish": "  CANH  chua ", "eating_starts_at": T + timedelta(hours=3)}],
            {"canh chua": T},
            ("cook_to_eat_over_limit",),
        ),
        (
            [
                {
                    "dish": "Cá kho",
                    "eating_starts_at": T + timedelta(hours=3),
                    "cooking_finished_at": T + timedelta(hours=2),
                }
            ],
            {},
            (),
        ),
        (
            [{"dish": "Cá kho", "eating_starts_at": T + timedelta(hours=3)}],
            {},
            (),
        ),  # unknown: nothing to say
        ([{"dish": "Cá kho"}], {"cá kho": T}, ()),
    ],
)
def test_it_flags_food_served_more_than_two_hours_after_cooking(items, cooked, flags):
    assert cook_to_eat_flags(items, cooked, max_minutes=120) == flags


def test_it_finds_the_dishes_without_a_sample():
    menu = [
        ExpectedDish("lunch", "Cơm", False),
        ExpectedDish("lunch", "Canh bí", True),
        ExpectedDish("dinner", "Cơm", False),
    ]
    sampled = [("lunch", " cơm "), ("dinner", "Canh bí")]
    assert samples_missing(menu, sampled) == [menu[1], menu[2]]
    assert dish_key("Canh  Bí") == dish_key("canh bí")


MENU = [("Canh chua cá", True), ("Cơm trắng", False)]


@pytest.mark.parametrize(
    ("dish", "quantity", "unit", "flags"),
    [
        ("Canh chua cá", D(120), "g", ("below_minimum",)),  # a soup in grams is still a soup
        ("canh  CHUA cá", D(150), "g", ()),
        ("Cơm trắng", D(120), "ml", ()),  # rice in ml is still a solid
        ("Cơm trắng", D(99), "ml", ("below_minimum",)),
        ("Chè", D(120), "g", ()),  # not on the menu: the unit decides
        ("Chè", D(120), "ml", ("below_minimum",)),
    ],
)
def test_the_menu_decides_liquid_or_solid(dish, quantity, unit, flags):
    liquid = menu_liquid(dish, MENU)
    assert (
        sample_flags(quantity=quantity, unit=unit, stored_temp_c=None, liquid=liquid, **LIMITS)
        == flags
    )
