"""Pure rules of the duty-manager dashboard. No database: each is tested with a table.

- which shift a moment belongs to (shift starts are configuration, local to the facility);
- which tile bucket a task counts in (done, late, missed, ...);
- which timeline slot a moment falls in;
- whether a dose was given late;
- where a resident was during a finished shift (away at any time of it counts);
- how many carers the staffing norms ask for (children: Thông tư 09/2024, to verify; adults: the
  centre's own setting: docs/domain.md);
- what a dashboard shows, as the browser holds it (`SectionView`: section -> key -> JSON item),
  and the delta a socket sends: only what changed since the last take, per section
  (`{"set": {...}, "del": [...]}`). Writing an item equal to the one already shown changes
  nothing, so a replayed fact sends nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as label_in_language

from server.care.resident_rules import ABSENT, Move, move_in_force

# Task status -> tile bucket. "pending" is split by the clock into "pending" and "late".
STATUS_BUCKETS = {
    "pending": "pending",
    "done": "done",
    "partial": "done",
    "refused": "not_done",
    "skipped": "not_done",
    "not_applicable": "not_done",
    "away": "away",
    "missed": "missed",
}
BUCKETS = ("done", "pending", "late", "missed", "not_done", "away")
# Outcomes that count as a completion on the timeline.
COMPLETED_STATUSES = frozenset({"done", "partial"})
GIVEN_OUTCOMES = frozenset({"given", "partial"})


@dataclass(frozen=True)
class Shift:
    name: str
    start: datetime
    end: datetime

    def local_date(self) -> date:
        return self.start.date()

    def wire(self) -> dict[str, str]:
        return {
            "name": self.name,
            "date": self.local_date().isoformat(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def parse_time(value: Any) -> datetime | None:
    """A fact's ISO time, or None where it has none."""
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def names_in(people: Mapping[str, Mapping[str, Any]], area_id: str | None) -> list[str]:
    """The sorted names of the people covering an area (every one for the whole centre)."""
    return sorted(p["name"] for p in people.values() if area_id is None or area_id in p["area_ids"])


def shifts_parse(spec: str) -> list[tuple[str, time]]:
    """ "day=06:00,night=18:00" -> [("day", 06:00), ("night", 18:00)], sorted by time."""
    out: list[tuple[str, time]] = []
    for part in spec.split(","):
        name, _, hhmm = part.strip().partition("=")
        if not hhmm:
            raise ValueError(f"shift {part!r}: expected name=HH:MM")
        out.append((name.strip(), time.fromisoformat(hhmm.strip())))
    if not out or len({t for _, t in out}) != len(out):
        raise ValueError(f"shifts {spec!r}: need at least one start, all different")
    return sorted(out, key=lambda p: p[1])


def shift_at(now: datetime, starts: Sequence[tuple[str, time]], tz: ZoneInfo) -> Shift:
    """The shift `now` falls in. A shift runs from its start to the next start (wrapping midnight)."""
    local = now.astimezone(tz)
    candidates: list[tuple[datetime, str]] = []
    for day in (local.date() - timedelta(days=1), local.date(), local.date() + timedelta(days=1)):
        for name, start in starts:
            candidates.append((datetime.combine(day, start, tzinfo=tz), name))
    candidates.sort()
    for (begin, name), (following, _) in zip(candidates, candidates[1:], strict=False):
        if begin <= local < following:
            return Shift(name=name, start=begin, end=following)
    raise AssertionError("unreachable: three days of starts always surround now")


def shift_on(day: date, name: str, starts: Sequence[tuple[str, time]], tz: ZoneInfo) -> Shift:
    """The shift called `name` that starts on the local date `day` (a night shift runs into the
    next day). A name the facility does not have is a ValueError."""
    times = dict(starts)
    if name not in times:
        raise ValueError(f"no shift {name!r}")
    begin = datetime.combine(day, times[name], tzinfo=tz)
    return shift_at(begin, starts, tz)


def status_during(
    moves: Sequence[tuple[Move, str]], *, current: tuple[str, str], start: datetime, end: datetime
) -> tuple[str, str]:
    """(status, place) of a resident during a finished shift, from their moves (each with its
    place) by the moves' own times: away, and where, if away at any time of it; else the
    status at its start. `current` (status, place) holds when no move says otherwise."""
    move = move_in_force([m for m, _ in moves], at=start)
    places = {m.key: place for m, place in moves}
    if move is None:
        status, place = current
    elif move.at <= start:
        status, place = move.status, places.get(move.key, "")
    else:
        status, place = move.previous, ""
    if status in ABSENT:
        return status, place
    for m, where in sorted(moves, key=lambda p: (p[0].at, p[0].key)):
        if m.status in ABSENT and start < m.at < end:
            return m.status, where
    return status, place


def task_bucket(status: str, window_end: datetime, now: datetime) -> str:
    """The tile bucket of a task: a pending task past its window is late."""
    bucket = STATUS_BUCKETS.get(status, "pending")
    if bucket == "pending" and window_end <= now:
        return "late"
    return bucket


def slot_count(shift: Shift, minutes: int) -> int:
    return max(1, math.ceil((shift.end - shift.start) / timedelta(minutes=minutes)))


def slot_of(at: datetime | None, shift: Shift, minutes: int) -> int | None:
    """Index of the timeline slot holding `at`, or None outside the shift."""
    if at is None or not (shift.start <= at < shift.end):
        return None
    return int((at - shift.start) / timedelta(minutes=minutes))


def dose_late(outcome: str, at: datetime, window_end: datetime | None) -> bool:
    """A dose given (or partly given) after its window closed."""
    return outcome in GIVEN_OUTCOMES and window_end is not None and at > window_end


@dataclass(frozen=True)
class Norm:
    """At most `per_carer` residents of this group per carer on shift."""

    key: str
    label: str
    min_months: int
    max_months: int
    disabled: bool | None  # None: any child of that age
    per_carer: int


# Children: Thông tư 09/2024 (public centres; to verify, docs/domain.md). Adults: no text sets
# a ratio, so these two are the centre's own setting, defaults chosen to be overridden. A
# facility overrides the whole list with its "staffing_norms" setting (the same fields).
ADULT_MONTHS = 192  # from 16 years: the children's norms end there
DEFAULT_NORMS: tuple[Norm, ...] = (
    Norm("infant", gettext_noop("Trẻ dưới 18 tháng"), 0, 18, None, 1),
    Norm(
        "young_disabled", gettext_noop("Trẻ khuyết tật/tâm thần 18 tháng–6 tuổi"), 18, 72, True, 4
    ),
    Norm("young", gettext_noop("Trẻ 18 tháng–6 tuổi"), 18, 72, False, 6),
    Norm(
        "school_disabled",
        gettext_noop("Trẻ khuyết tật/tâm thần 6–16 tuổi"),
        72,
        ADULT_MONTHS,
        True,
        5,
    ),
    Norm("school", gettext_noop("Trẻ 6–16 tuổi"), 72, ADULT_MONTHS, False, 10),
    Norm(
        "adult_disabled", gettext_noop("Người lớn khuyết tật/tâm thần"), ADULT_MONTHS, 1800, True, 5
    ),
    Norm("adult", gettext_noop("Người lớn, người cao tuổi"), ADULT_MONTHS, 1800, False, 10),
)
DISABLING_CATEGORIES = frozenset({"disability", "psychiatric", "agent_orange"})


@dataclass(frozen=True)
class Person:
    birth_date: date | None
    categories: tuple[str, ...]
    severe_disability: bool


def age_months(birth: date, on: date) -> int:
    months = (on.year - birth.year) * 12 + (on.month - birth.month)
    return months - (1 if on.day < birth.day else 0)


def norm_for(person: Person, on: date, norms: Sequence[Norm]) -> Norm | None:
    if person.birth_date is not None:
        months = age_months(person.birth_date, on)
    elif "child" in person.categories:
        return None  # a child's group depends on the age: unplaced
    else:
        months = ADULT_MONTHS  # an adult of unknown age (elderly residents often have none)
    disabled = person.severe_disability or bool(DISABLING_CATEGORIES & set(person.categories))
    for norm in norms:
        if norm.min_months <= months < norm.max_months and norm.disabled in (None, disabled):
            return norm
    return None


def staffing_required(
    people: Iterable[Person], on: date, norms: Sequence[Norm] = DEFAULT_NORMS
) -> dict:
    """Carers the norms ask for: per group ceil(residents / per_carer), summed.

    A resident no norm places (a child with no birth date, an age the facility's own norms
    leave out) is reported as `unplaced`, so the manager sees the gap.
    """
    counts: dict[str, int] = {}
    unplaced = 0
    for person in people:
        norm = norm_for(person, on, norms)
        if norm is not None:
            counts[norm.key] = counts.get(norm.key, 0) + 1
        else:
            unplaced += 1
    groups = [
        {
            "key": n.key,
            # Looked up now, in the reader's language: the defaults' labels are marked where
            # they are written (gettext_noop); a facility's own, in no catalogue, come back
            # as written. (Another name: the catalogue walk wants a literal in `gettext`.)
            "label": label_in_language(n.label),
            "residents": counts[n.key],
            "per_carer": n.per_carer,
            "required": math.ceil(counts[n.key] / n.per_carer),
        }
        for n in norms
        if counts.get(n.key)
    ]
    return {"required": sum(g["required"] for g in groups), "groups": groups, "unplaced": unplaced}


def staffing_summary(
    residents: Iterable[Mapping[str, Any]],
    carers: list[str],
    *,
    area: str | None,
    on: date,
    norms: Sequence[Norm],
) -> dict:
    """One staffing item: the carers on shift (names) against what the norms ask for the
    residents present among `residents` (the projection's resident records), for the area
    named `area` or (None) the whole centre."""
    present = [
        Person(
            date.fromisoformat(r["birth_date"]) if r.get("birth_date") else None,
            tuple(r.get("categories", ())),
            bool(r.get("severe_disability")),
        )
        for r in residents
        if r.get("status") == "present"
    ]
    need = staffing_required(present, on, norms)
    return {
        "area": gettext("Toàn trung tâm") if area is None else area,
        "on_shift": len(carers),
        "carers": carers,
        **need,
        "short": max(0, need["required"] - len(carers)),
    }


def norms_from_setting(raw: object) -> tuple[Norm, ...]:
    if not raw:
        return DEFAULT_NORMS
    if not isinstance(raw, list):
        raise ValueError("staffing_norms must be a list")
    return tuple(Norm(**item) for item in raw)


class SectionView:
    def __init__(self, names: Iterable[str]) -> None:
        self.sections: dict[str, dict[str, Any]] = {name: {} for name in names}
        self._delta: dict[str, dict[str, Any]] = {}

    def set(self, section: str, key: str, item: Any) -> None:
        if self.sections[section].get(key) != item:
            self.sections[section][key] = item
            entry = self._delta.setdefault(section, {"set": {}, "del": []})
            entry["set"][key] = item
            if key in entry["del"]:
                entry["del"].remove(key)

    def delete(self, section: str, key: str) -> None:
        if key in self.sections[section]:
            del self.sections[section][key]
            entry = self._delta.setdefault(section, {"set": {}, "del": []})
            entry["set"].pop(key, None)
            entry["del"].append(key)

    def take_delta(self) -> dict[str, Any]:
        """The keys changed since the last take, per section; sections with none left out."""
        delta, self._delta = self._delta, {}
        return {
            s: {"set": d["set"], "del": d["del"]} for s, d in delta.items() if d["set"] or d["del"]
        }
