"""Report periods: a calendar month, the first nine months of a year, or a whole year."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone

KINDS = ("month", "9m", "year")


@dataclass(frozen=True)
class Period:
    """`months` calendar months ending with `month` of `year` (local dates, inclusive)."""

    year: int
    month: int
    months: int = 1

    @classmethod
    def parse(cls, text: str) -> Period:
        """'YYYY-MM' is a month (the monthly report's own parameter)."""
        year_text, sep, month_text = text.partition("-")
        if not sep or len(year_text) != 4 or len(month_text) != 2:
            raise ValueError(text)
        year, month = int(year_text), int(month_text)
        if not 1 <= month <= 12 or not 2000 <= year <= 2100:
            raise ValueError(text)
        return cls(year, month)

    @classmethod
    def of(cls, kind: str, text: str) -> Period:
        """kind month → text 'YYYY-MM'; kind 9m or year → 'YYYY' (or 'YYYY-MM', month ignored)."""
        if kind == "month":
            return cls.parse(text)
        if kind not in KINDS:
            raise ValueError(kind)
        year_text = text.split("-", 1)[0]
        if len(year_text) != 4 or not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
            raise ValueError(text)
        return cls(int(year_text), 9, 9) if kind == "9m" else cls(int(year_text), 12, 12)

    @property
    def kind(self) -> str:
        return {1: "month", 9: "9m", 12: "year"}[self.months]

    @property
    def key(self) -> str:
        """How the period is stored with its report: '2026-11', '2026-9m' or '2026'."""
        return {
            "month": f"{self.year:04d}-{self.month:02d}",
            "9m": f"{self.year:04d}-9m",
            "year": f"{self.year:04d}",
        }[self.kind]

    @property
    def first(self) -> date:
        return date(self.year, self.month - self.months + 1, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes in the current (facility) time zone."""
        tz = timezone.get_current_timezone()
        start = datetime.combine(self.first, time.min, tzinfo=tz)
        nxt = date(self.year + (self.month == 12), self.month % 12 + 1, 1)
        return start, datetime.combine(nxt, time.min, tzinfo=tz)

    @property
    def label(self) -> str:
        """As the title says it: 'tháng 10 năm 2021', '9 tháng đầu năm 2022', 'năm 2022'."""
        if self.kind == "month":
            return f"tháng {self.month} năm {self.year}"
        return f"9 tháng đầu năm {self.year}" if self.kind == "9m" else f"năm {self.year}"

    @property
    def short(self) -> str:
        if self.kind == "month":
            return f"tháng {self.month:02d}/{self.year}"
        return f"9 tháng {self.year}" if self.kind == "9m" else f"năm {self.year}"

    @property
    def next_label(self) -> str:
        """What the plan section looks ahead to."""
        if self.kind == "month":
            nxt = date(self.year + (self.month == 12), self.month % 12 + 1, 1)
            return f"tháng {nxt.month} năm {nxt.year}"
        return f"3 tháng cuối năm {self.year}" if self.kind == "9m" else f"năm {self.year + 1}"


Month = Period  # the monthly report's name for it
