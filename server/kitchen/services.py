"""Expected samples: the day's locked menu against the samples actually taken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from server.kitchen.models import FoodSample, MenuDish
from server.kitchen.rules import ExpectedDish, samples_missing


@dataclass(frozen=True)
class ExpectedSamples:
    date: date
    expected: list[ExpectedDish]
    missing: list[ExpectedDish]
    menu_locked: bool


def samples_expected(*, facility_id: UUID, on: date) -> ExpectedSamples:
    """Every dish of the locked menu of `on` needs a sample; those without one are missing.

    Only a locked menu counts: a draft may still change and would raise false alarms.
    Voided samples do not count as taken.
    """
    dishes = list(
        MenuDish.objects.filter(facility_id=facility_id, date=on, locked=True).order_by(
            "meal", "dish"
        )
    )
    expected = [ExpectedDish(meal=d.meal, dish=d.dish, liquid=d.liquid) for d in dishes]
    sampled = FoodSample.objects.filter(
        facility_id=facility_id, meal_date=on, void=False
    ).values_list("meal", "dish")
    return ExpectedSamples(
        date=on,
        expected=expected,
        missing=samples_missing(expected, sampled),
        menu_locked=bool(dishes),
    )
