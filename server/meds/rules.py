"""Pure eMAR rules (docs/domain.md, "Medication"). No database: each is tested with a table.

The handler in `server/meds/handlers.py` loads the order, the task, the earlier
administrations and the people involved, then asks these functions what to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.utils.translation import gettext as _

from server.accounts.roles import CLINICAL_ROLES

# Every outcome a dose record may have: the only ones med.administer accepts.
Outcome = Literal[
    "given",
    "partial",
    "refused",
    "withheld",
    "unavailable",
    "away",
    "vomited",
    "entered_in_error",
]
# Outcomes meaning the drug went into the resident: these count for double doses and PRN limits.
DOSE_TAKEN = frozenset({"given", "partial"})
# The drug was taken out of stock in front of the resident: a controlled drug needs a witness.
WITNESSED = frozenset({"given", "partial", "vomited", "refused"})
# No window check and no "resident away" conflict: a correction, or the away record itself.
UNTIMED = frozenset({"away", "entered_in_error"})

# What a medication task shows once a record of this outcome is the one that counts.
TASK_STATUS = {
    "given": "done",
    "partial": "partial",
    "vomited": "done",  # taken, then lost: the clinician decides on a re-dose
    "refused": "refused",
    "withheld": "skipped",
    "unavailable": "skipped",
    "away": "away",
}


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def permission_check(*, role: str, controlled: bool, carers_may_record: bool) -> Refusal | None:
    """Who may record a dose: nurses, managers, admins always; carers only ordinary
    medicines and only where the centre allows it; kitchen staff never."""
    if role in CLINICAL_ROLES:
        return None
    if role == "carer" and not controlled and carers_may_record:
        return None
    if role == "carer" and controlled:
        return Refusal("forbidden", _("Thuốc kiểm soát đặc biệt chỉ y tế hoặc quản lý được ghi."))
    return Refusal("forbidden", _("Bạn không được phép ghi cấp phát thuốc ở trung tâm này."))


def outcome_check(*, outcome: str, dose: str | None, reason: str) -> Refusal | None:
    """What an outcome needs beside itself: a partial dose names the quantity given,
    a clinical hold names its reason."""
    if outcome == "partial" and not (dose or "").strip():
        return Refusal("dose_required", _("Dùng một phần: cần ghi lượng thuốc đã dùng."))
    if outcome == "withheld" and not reason.strip():
        return Refusal("reason_required", _("Tạm hoãn thuốc: cần ghi lý do."))
    return None


@dataclass(frozen=True)
class Witness:
    """What the handler found about the named witness (None fields: nobody named)."""

    named: bool
    is_recorder: bool = False
    active_member_of_facility: bool = False


def witness_check(*, controlled: bool, outcome: str, witness: Witness) -> Refusal | None:
    """Drugs under special control are handed out in front of another staff member of
    the same centre, who is named on the record (Thông tư 23/2011: running-balance register)."""
    if not controlled or outcome not in WITNESSED:
        return None
    if not witness.named:
        return Refusal("witness_required", _("Thuốc kiểm soát đặc biệt cần người chứng kiến."))
    if witness.is_recorder:
        return Refusal("witness_required", _("Người chứng kiến phải là một nhân viên khác."))
    if not witness.active_member_of_facility:
        return Refusal(
            "witness_required", _("Người chứng kiến phải là nhân viên đang làm việc tại trung tâm.")
        )
    return None


@dataclass(frozen=True)
class WindowVerdict:
    inside: bool
    flag: str = ""  # "early" | "late" when outside


def window_check(*, due_at: datetime, at: datetime, window_minutes: int) -> WindowVerdict:
    """ISMP windows: ±window around the scheduled time, edges included."""
    window = timedelta(minutes=window_minutes)
    if at < due_at - window:
        return WindowVerdict(False, "early")
    if at > due_at + window:
        return WindowVerdict(False, "late")
    return WindowVerdict(True)


def window_refusal(*, outcome: str, verdict: WindowVerdict, reason: str) -> Refusal | None:
    if outcome in UNTIMED or verdict.inside or reason.strip():
        return None
    return Refusal("reason_required", _("Ghi ngoài khung giờ của liều thuốc: cần ghi lý do."))


@dataclass(frozen=True)
class DoseRecord:
    """An earlier, not voided administration of the same dose or PRN order."""

    key: str  # the administration id (the handler maps it back to its event)
    outcome: str
    at: datetime


def double_dose_check(*, outcome: str, earlier: Iterable[DoseRecord]) -> list[str]:
    """A scheduled dose given twice, whichever arrived first: the keys of the doses it
    collides with (empty: no double dose). Never merged: each stays on the record."""
    if outcome not in DOSE_TAKEN:
        return []
    return [r.key for r in earlier if r.outcome in DOSE_TAKEN]


@dataclass(frozen=True)
class PrnVerdict:
    interval_keys: tuple[str, ...] = ()  # doses closer than the minimum interval
    over_max_keys: tuple[str, ...] = ()  # doses in a 24 h span that holds too many

    @property
    def violated(self) -> bool:
        return bool(self.interval_keys or self.over_max_keys)

    @property
    def keys(self) -> list[str]:
        return sorted(set(self.interval_keys) | set(self.over_max_keys))


def prn_check(
    *,
    at: datetime,
    earlier: Sequence[DoseRecord],
    min_interval_minutes: int | None,
    max_per_24h: int | None,
) -> PrnVerdict:
    """A PRN dose against the others of its order, judged by when each was given (`at`),
    not by arrival: a late-arriving earlier dose that crowds a stored one is caught too.

    - interval: any other dose less than the minimum interval away, before or after;
    - maximum: any 24 h span (a, a + 24 h] that holds the new dose and more than the maximum.
    """
    taken = [r for r in earlier if r.outcome in DOSE_TAKEN]
    interval_keys: tuple[str, ...] = ()
    if min_interval_minutes:
        gap = timedelta(minutes=min_interval_minutes)
        interval_keys = tuple(r.key for r in taken if abs(r.at - at) < gap)
    over: set[str] = set()
    if max_per_24h:
        day = timedelta(hours=24)
        # Only spans ending at a dose matter; the new dose must lie inside the span.
        ends = [at, *(r.at for r in taken if at <= r.at < at + day)]
        for end in ends:
            inside = [r for r in taken if end - day < r.at <= end]
            if len(inside) + 1 > max_per_24h:
                over.update(r.key for r in inside)
    return PrnVerdict(interval_keys, tuple(sorted(over)))


def task_status_of(records: Sequence[DoseRecord]) -> tuple[str, str | None]:
    """The task status a dose's records add up to, whatever order they arrived in, and
    the key of the record that decides it.

    A dose taken wins over any not-taken record (re-offered after a refusal), the first
    given by `at` deciding; otherwise the latest record by `at` counts; with no record
    left (all voided) the dose is pending again.
    """
    counted = [r for r in records if r.outcome in TASK_STATUS]
    if not counted:
        return "pending", None
    taken = [r for r in counted if r.outcome in DOSE_TAKEN]
    if taken:
        given = [r for r in taken if r.outcome == "given"]
        first = min(given or taken, key=lambda r: (r.at, r.key))
        return TASK_STATUS[first.outcome], first.key
    latest = max(counted, key=lambda r: (r.at, r.key))
    return TASK_STATUS[latest.outcome], latest.key
