"""Plain Vietnamese for everything a paper prints: categories, funding sources, task kinds,
meals, money and counts. A paper never shows a code such as `sun_exposure`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation

from server.care.models import ResidentCategory, ResidentStatus, TaskKind
from server.hygiene.models import DisinfectionRecord
from server.kitchen.models import Meal
from server.meds.models import FundingSource


def vietnamese(choices: Any) -> dict[Any, str]:
    """A model's choices as the papers print them: the admin translates the labels for its
    reader, but a paper is the centre's Vietnamese document whoever opens it."""
    with translation.override("vi"):
        return {key: str(label) for key, label in choices}


CATEGORY = vietnamese(ResidentCategory.choices)
STATUS = vietnamese(ResidentStatus.choices)
FUNDING = vietnamese(FundingSource.choices)
TASK_KIND = vietnamese(TaskKind.choices)
MEAL = vietnamese(Meal.choices)
DISINFECTION_TARGET = vietnamese(DisinfectionRecord.Target.choices)
RESULT = {"ok": "Đạt", "issue": "Không đạt"}


def vnd(amount: int | Decimal | None) -> str:
    """3000000 → '3.000.000 đ' (Vietnamese thousands separator)."""
    return f"{int(amount or 0):,}".replace(",", ".") + " đ"


def count(n: int | None) -> str:
    """Counts as the Department's reports write them: two digits ('02 đối tượng')."""
    return "…" if n is None else f"{n:02d}"


def number(n: int | float | Decimal | None) -> str:
    """1234.5 → '1.234,5'."""
    if n is None:
        return ""
    text = f"{n:,.1f}" if isinstance(n, float | Decimal) and n != int(n) else f"{int(n):,}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def yes_no(value: bool | None) -> str:
    """A pass/fail cell of the QĐ 1246 forms; empty where nothing was recorded."""
    return "" if value is None else ("Đạt" if value else "Không đạt")


def local(value: datetime | None, fmt: str = "%H:%M %d/%m/%Y") -> str:
    return "" if value is None else timezone.localtime(value).strftime(fmt)


def day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def date_line(place: str, when: date) -> str:
    """'Bạc Liêu, ngày 05 tháng 11 năm 2021' (days and months under 10 with a leading zero
    only for days 1-9 and months 1-2, as the administrative form writes them)."""
    month = f"{when.month:02d}" if when.month < 3 else str(when.month)
    prefix = f"{place}, " if place else ""
    return f"{prefix}ngày {when.day:02d} tháng {month} năm {when.year}"
