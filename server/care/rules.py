"""Pure merge rules for care tasks. No database: each is tested with a table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

OPEN_STATUSES = frozenset({"pending", "missed"})
COMPLETION_OUTCOMES = frozenset({"done", "partial", "refused", "skipped", "not_applicable"})


@dataclass(frozen=True)
class TaskState:
    status: str
    done_device: UUID | None
    window_end: datetime


@dataclass(frozen=True)
class Completion:
    outcome: str
    device: UUID
    at: datetime


@dataclass(frozen=True)
class TaskVerdict:
    action: str  # "apply" | "correct" | "merge" | "conflict"
    conflict_kind: str = ""
    flags: tuple[str, ...] = ()


def task_completion_decide(state: TaskState, new: Completion, *, grace: timedelta) -> TaskVerdict:
    """Who wins when a task is completed, possibly from several offline phones.

    - an open task (pending, or missed by the sweep) takes the outcome;
    - the device that completed it may correct itself (history is kept by the caller);
    - another device with the same outcome confirms it: merged, nothing to review;
    - another device with a different outcome: the first stays, a conflict is opened.
    """
    flags = ("late",) if new.at > state.window_end + grace else ()
    if state.status in OPEN_STATUSES:
        return TaskVerdict("apply", flags=flags)
    if state.status == "away":
        return TaskVerdict("conflict", conflict_kind="resident_away", flags=flags)
    if state.done_device == new.device:
        return TaskVerdict("correct", flags=flags)
    if state.status == new.outcome:
        return TaskVerdict("merge", flags=flags)
    return TaskVerdict("conflict", conflict_kind="contradictory_outcome", flags=flags)
