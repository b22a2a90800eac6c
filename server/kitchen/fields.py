"""Decimal event args rounded to what the database keeps.

Phones compute with floats (166.66666666666666 g); refusing those would lose a real
record over a last digit, so the server rounds to the column's precision instead.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, Field


def rounded(places: int, **bounds: Any) -> Any:
    quantum = Decimal(1).scaleb(-places)

    def _round(value: Decimal) -> Decimal:
        return value.quantize(quantum, rounding=ROUND_HALF_UP)

    return Annotated[Decimal, Field(allow_inf_nan=False, **bounds), AfterValidator(_round)]
