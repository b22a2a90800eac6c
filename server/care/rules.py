"""Pure rules for care tasks. No database: each is tested with a table."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from server.care.resident_rules import ABSENT, CLOSED

OPEN_STATUSES = frozenset({"pending", "missed"})
COMPLETION_OUTCOMES = frozenset({"done", "partial", "refused", "skipped", "not_applicable"})
# Why a sun-exposure session did not happen (the phone shows these as buttons).
SUN_SKIP_REASONS = ("rain", "unwell", "in_hospital", "other")


@dataclass(frozen=True)
class TaskState:
    status: str
    done_device: UUID | None
    window_end: datetime
    # What else must match for a second completion to be "the same" (a meal's portion).
    detail: Hashable = None


@dataclass(frozen=True)
class Completion:
    outcome: str
    device: UUID
    at: datetime
    detail: Hashable = None


@dataclass(frozen=True)
class TaskVerdict:
    action: str  # "apply" | "correct" | "merge" | "conflict"
    conflict_kind: str = ""
    flags: tuple[str, ...] = ()


def task_completion_decide(state: TaskState, new: Completion, *, grace: timedelta) -> TaskVerdict:
    """Who wins when a task is completed, possibly from several offline phones.

    - an open task (pending, or missed by the sweep) takes the outcome;
    - the device that completed it may correct itself (history is kept by the caller);
    - another device with the same outcome (and the same detail: a meal's portion) confirms
      it: merged, nothing to review;
    - another device with a different outcome or detail: the first stays, a conflict opens.
    """
    flags = ("late",) if new.at > state.window_end + grace else ()
    if state.status in OPEN_STATUSES:
        return TaskVerdict("apply", flags=flags)
    if state.status == "away":
        return TaskVerdict("conflict", conflict_kind="resident_away", flags=flags)
    if state.done_device == new.device:
        return TaskVerdict("correct", flags=flags)
    if state.status == new.outcome and state.detail == new.detail:
        return TaskVerdict("merge", flags=flags)
    return TaskVerdict("conflict", conflict_kind="contradictory_outcome", flags=flags)


def completion_detail(kind: str, outcome: str, details: Mapping[str, Any]) -> Hashable:
    """The part of `details` that makes two completions different outcomes.

    A meal eaten 100 % and one eaten 25 % are different facts about the resident's
    nutrition, so they are not merged. Sun-exposure minutes are not compared: two phones
    timing the same session differ by a few minutes and that is not worth a review.
    """
    if kind == "meal" and outcome in ("done", "partial"):
        return details.get("portion")
    return None


@dataclass(frozen=True)
class DetailsProblem:
    field: str
    message: str  # Vietnamese, shown to the person who recorded it
    code: str = "invalid_args"


# The `details` keys each task kind documents (docs/care-events.md); any other is refused,
# so a completion cannot smuggle unbounded data to every phone of the area.
DETAILS_KEYS: Mapping[str, frozenset[str]] = {
    "meal": frozenset({"portion"}),
    "sun_exposure": frozenset({"minutes"}),
}
FULL_PORTION = 100
# Kinds with a record of their own: that record (the eMAR line with its witness, the round
# with its chemical) is what closes them, never a bare tick.
OWN_RECORD = {
    "medication": (
        "use_med_administer",
        gettext_lazy(
            "Liều thuốc chỉ được ghi qua màn hình cấp thuốc (med.administer), không qua đánh dấu việc."
        ),
    ),
    "disinfection": (
        "use_disinfection_record",
        gettext_lazy(
            "Khử khuẩn chỉ được ghi qua phiếu khử khuẩn (disinfection.record); "
            "đánh dấu việc chỉ dùng cho bỏ qua / không áp dụng có lý do."
        ),
    ),
}
# What a disinfection task may still be closed with by task.complete (with a reason).
NOT_DONE = frozenset({"skipped", "not_applicable"})


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def completion_details_default(
    *, kind: str, outcome: str, details: Mapping[str, Any]
) -> dict[str, Any]:
    """The details a completion means when it leaves optional ones out: a meal `done`
    without a portion was eaten whole."""
    if kind == "meal" and outcome == "done" and "portion" not in details:
        return {**details, "portion": FULL_PORTION}
    return dict(details)


def completion_route_check(*, kind: str, outcome: str, reason: str) -> DetailsProblem | None:
    """A task with its own record closes only through it: a medication task never by
    task.complete; a disinfection task only as skipped / not applicable, with a reason."""
    route = OWN_RECORD.get(kind)
    if route is None:
        return None
    code, message = route
    if kind == "disinfection" and outcome in NOT_DONE:
        if not reason.strip():
            return DetailsProblem("reason", _("Cần ghi lý do bỏ qua khử khuẩn."))
        return None
    return DetailsProblem("outcome", str(message), code)


def completion_details_check(
    *,
    kind: str,
    outcome: str,
    reason: str,
    details: Mapping[str, Any],
    portions: Sequence[int],
    sun_minutes: tuple[int, int],
) -> DetailsProblem | None:
    """What a completion of this kind must carry; None when it is complete.

    Medication and disinfection tasks: see `completion_route_check`. Only the kind's
    DETAILS_KEYS are allowed. Meals: done / partial give `details.portion` (one of
    `portions`; `completion_details_default` fills a done meal's); refused gives a reason.
    Sun exposure: done / partial give `details.minutes` within `sun_minutes`; skipped gives
    one of SUN_SKIP_REASONS as the reason; refused gives a reason.
    """
    route = completion_route_check(kind=kind, outcome=outcome, reason=reason)
    if route is not None:
        return route
    unknown = sorted(set(details) - DETAILS_KEYS.get(kind, frozenset()))
    if unknown:
        return DetailsProblem(
            f"details.{unknown[0]}",
            _("Thông tin «%(field)s» không dùng cho loại việc này.") % {"field": unknown[0]},
        )
    details = completion_details_default(kind=kind, outcome=outcome, details=details)
    has_reason = bool(reason.strip())
    if kind == "meal":
        if outcome in ("done", "partial"):
            portion = details.get("portion")
            if not _is_int(portion) or portion not in portions:
                allowed = ", ".join(str(p) for p in portions)
                return DetailsProblem(
                    "details.portion",
                    _("Cần chọn phần ăn được (%(allowed)s %%).") % {"allowed": allowed},
                )
        if outcome == "refused" and not has_reason:
            return DetailsProblem("reason", _("Cần ghi lý do từ chối ăn."))
    elif kind == "sun_exposure":
        low, high = sun_minutes
        if outcome in ("done", "partial"):
            minutes = details.get("minutes")
            if (
                not isinstance(minutes, int)
                or isinstance(minutes, bool)
                or not low <= minutes <= high
            ):
                return DetailsProblem(
                    "details.minutes",
                    _("Cần ghi số phút tắm nắng (%(low)s–%(high)s).") % {"low": low, "high": high},
                )
        if outcome == "skipped" and reason not in SUN_SKIP_REASONS:
            return DetailsProblem(
                "reason", _("Cần chọn lý do: trời mưa, không khỏe, nằm viện hoặc khác.")
            )
        if outcome == "refused" and not has_reason:
            return DetailsProblem("reason", _("Cần ghi lý do từ chối."))
    return None


def task_sweep_status(
    *,
    status: str,
    window_end: datetime,
    now: datetime,
    grace: timedelta,
    resident_status: str | None,
) -> str | None:
    """The status the overdue sweep gives a task, or None to leave it alone.

    Only a pending task whose window plus grace is over is touched. A resident in hospital
    or on leave is `away`, never `missed` (docs/domain.md); one discharged or deceased is
    `not_applicable`. Everything else is `missed`, which a late completion may still fill.
    """
    if status != "pending" or now <= window_end + grace:
        return None
    if resident_status in ABSENT:
        return "away"
    if resident_status in CLOSED:
        return "not_applicable"
    return "missed"


@dataclass(frozen=True)
class BulkSummary:
    status: str  # the event's own status: applied | merged | conflict
    code: str
    message: str
    flags: tuple[str, ...]


def bulk_summary(counts: Mapping[str, int]) -> BulkSummary:
    """One result for a bulk completion of many tasks.

    The event is `conflict` when any task conflicted (a manager has something to look at),
    `applied` when any task changed, otherwise `merged`. The counts travel as flags
    `applied:N`, `merged:N`, `conflict:N`, `away:N` (only the non-zero ones) and in the message.
    """
    applied, merged, conflict = (
        counts.get("applied", 0),
        counts.get("merged", 0),
        counts.get("conflict", 0),
    )
    away = counts.get("away", 0)
    flags = tuple(
        f"{k}:{n}"
        for k, n in (
            ("applied", applied),
            ("merged", merged),
            ("conflict", conflict),
            ("away", away),
        )
        if n
    )
    message = _("Đã ghi %(applied)s, trùng %(merged)s, xung đột %(conflict)s, vắng %(away)s.") % {
        "applied": applied,
        "merged": merged,
        "conflict": conflict,
        "away": away,
    }
    if conflict:
        return BulkSummary("conflict", "bulk_partial_conflict", message, flags)
    if applied:
        return BulkSummary("applied", "", message, flags)
    return BulkSummary("merged", "", message, flags)
