"""Pure rules for residents: who may edit them, the field-level merge of
`resident.update`, and where a resident was at a given time. No database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server.accounts.roles import RESIDENT_EDITOR_ROLES
from sync.protocol import Stamp, is_valid

UPDATABLE_FIELDS = frozenset(
    {
        "full_name",
        "room",
        "area_id",
        "diet_note",
        "categories",
        "primary_category",
        "severe_disability",
    }
)
# Away for a while and expected back (hospital, leave); discharged and deceased are gone for
# good, not absent.
ABSENT = frozenset({"in_hospital", "on_leave"})
CLOSED = frozenset({"discharged", "deceased"})


def may_edit_residents(role: str) -> bool:
    return role in RESIDENT_EDITOR_ROLES


def event_stamp(*, hlc: str, at: datetime, node: str) -> str:
    """The event's HLC, or one built from its device time when the phone sent none, so
    both kinds compare as strings on the same millisecond scale."""
    if hlc and is_valid(hlc):
        return hlc
    return Stamp(int(at.timestamp() * 1000), 0, node).encode()


@dataclass(frozen=True)
class FieldEdit:
    """The last accepted edit of one field: its HLC, the version it produced, and who."""

    hlc: str
    version: int
    by: str
    event: str = ""

    def wire(self) -> dict[str, Any]:
        return {"hlc": self.hlc, "v": self.version, "by": self.by, "event": self.event}

    @classmethod
    def parse(cls, raw: Any) -> FieldEdit | None:
        if isinstance(raw, dict) and "hlc" in raw:
            return cls(
                str(raw["hlc"]),
                int(raw.get("v", 0)),
                str(raw.get("by", "")),
                str(raw.get("event", "")),
            )
        if isinstance(raw, str):  # a bare stamp: an edit of unknown version, by nobody known
            return cls(raw, 0, "")
        return None


@dataclass(frozen=True)
class Clash:
    """A field two people changed concurrently: what stays and what was set aside."""

    field: str
    kept: Any
    lost: Any
    kept_by: str
    lost_by: str
    other_event: str


@dataclass
class MergeResult:
    apply: dict[str, Any] = field(default_factory=dict)  # field -> new value
    clashes: list[Clash] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def resident_fields_merge(
    *,
    current: Mapping[str, Any],
    edits: Mapping[str, FieldEdit | None],
    incoming: Mapping[str, Any],
    base_version: int,
    stamp: str,
    by: str,
) -> MergeResult:
    """Field-level merge of one `resident.update`.

    - a field nobody changed since `base_version` takes the incoming value;
    - a field changed since then by the same person: the later edit by HLC stands, silently;
    - by someone else: the later edit by HLC stands and the other value is kept in a clash
      (a `concurrent_edit` conflict), whichever edit reached the server first;
    - an incoming value equal to the current one changes nothing and clashes with nothing.
    """
    result = MergeResult()
    for name, value in incoming.items():
        now = current.get(name)
        if value == now:
            result.unchanged.append(name)
            continue
        last = edits.get(name)
        if last is None or last.version <= base_version:
            result.apply[name] = value
            continue
        incoming_wins = stamp > last.hlc
        if incoming_wins:
            result.apply[name] = value
        if last.by == by:
            continue
        if incoming_wins:
            result.clashes.append(Clash(name, value, now, by, last.by, last.event))
        else:
            result.clashes.append(Clash(name, now, value, last.by, by, last.event))
    return result


@dataclass(frozen=True)
class Move:
    """One stored status change of a resident."""

    at: datetime
    status: str
    previous: str
    key: str = ""


def move_in_force(moves: Sequence[Move], *, at: datetime) -> Move | None:
    """The move that says where the resident was at `at`: the latest at or before it,
    else the first after it (whose `previous` tells), else none."""
    before = [m for m in moves if m.at <= at]
    if before:
        return max(before, key=lambda m: (m.at, m.key))
    after = [m for m in moves if m.at > at]
    return min(after, key=lambda m: (m.at, m.key)) if after else None


def status_at(moves: Sequence[Move], *, current: str, at: datetime) -> str:
    """Where the resident was at `at`, by the transfers' own times (not their arrival);
    with no transfer recorded at all, the resident's current status."""
    move = move_in_force(moves, at=at)
    if move is None:
        return current
    return move.status if move.at <= at else move.previous


def status_changes(moves: Sequence[Move]) -> list[Move]:
    """The moves that changed where the resident was, by their own times (not arrival).

    A status reported again while already in it (two phones recording one death, a second
    report of the same hospital stay) is one fact: only the first counts, whichever of the
    two reached the server first. The earliest move is compared with its stored previous.
    """
    changed: list[Move] = []
    current: str | None = None
    for move in sorted(moves, key=lambda m: (m.at, m.key)):
        before = move.previous if current is None else current
        if move.status != before:
            changed.append(move)
        current = move.status
    return changed


def next_move_at(moves: Sequence[Move], *, at: datetime) -> datetime | None:
    """When the period a move at `at` starts ends: the next move after it, if any."""
    later = [m.at for m in moves if m.at > at]
    return min(later) if later else None


def task_status_on_move(*, task_status: str, set_by_person: bool, new_status: str) -> str | None:
    """A task due after a move: what it becomes (None: untouched).

    Absent: open tasks are `away`; discharged or deceased: open or away tasks no longer
    apply; back to present: tasks the move made `away` are pending again (an `away`
    recorded by a person for a dose stays, it is that dose's record).
    """
    if new_status in ABSENT:
        return "away" if task_status == "pending" else None
    if new_status in CLOSED:
        closable = task_status == "pending" or (task_status == "away" and not set_by_person)
        return "not_applicable" if closable else None
    if new_status == "present":
        return "pending" if task_status == "away" and not set_by_person else None
    return None


def is_not_present(status: str) -> bool:
    """Absent for a while (ABSENT) or gone for good (CLOSED): no care is given here now."""
    return status in ABSENT or status in CLOSED
