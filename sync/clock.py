"""A phone's clocks, as the server judges them: the time of an event (`at`) and its hybrid
logical clock stamp (`hlc`). Both are the device's word, and the server believes each only so
far ahead of its own receipt (docs/security.md).

The time a rule judges an event by: an event's `at` must not move a deadline (a food
sample's keep_until, a PRN interval, a dose window) nor pin a resident's status in the future
when the phone's clock runs fast or the time is forged. So wherever a rule depends on time,
a device time more than CLOCK_SKEW_SECONDS ahead of the server's receipt is judged, and
stored, as the receipt time, and the event is flagged `clock_skew` (docs/care-events.md).

The hybrid logical clock (Kulkarni et al.): wall-clock milliseconds plus a counter and a
node. Stamps compare as plain strings: `MMMMMMMMMMMMM-CCCC-node`. Phones stamp their events;
merge rules that need "last writer" (resident.update) order by HLC, never by device wall
time alone, so a phone whose clock runs fast cannot win every edit for ever.

Imports no Django: the simulated phone (sync/client/) and the pure rules use it too.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sync.protocol import CLOCK_SKEW_SECONDS

if TYPE_CHECKING:
    from sync.registry import HandlerContext

SKEW = timedelta(seconds=CLOCK_SKEW_SECONDS)


def judged_time(at: datetime, received_at: datetime) -> datetime:
    """`at`, unless it is more than SKEW ahead of `received_at`: then `received_at`.
    Pure; a time in the past is the device's to tell (a phone back from a day offline)."""
    return received_at if at - received_at > SKEW else at


def judged_at(ctx: HandlerContext, at: datetime | None = None) -> datetime:
    """The event's time (or a device time among its args) as the rules must judge it,
    flagging the event `clock_skew` when it was brought back to the receipt time."""
    told = ctx.event.at if at is None else at
    when = judged_time(told, ctx.received_at)
    if when is not told:
        ctx.flag("clock_skew")
    return when


MAX_COUNTER = 9999
# ASCII digits only: `int()` also reads other scripts' digits, which sort after "9" as text
# and would win every comparison. The node is printable ASCII (a short device id).
_STAMP = re.compile(r"(\d{13})-(\d{4})-([!-~]{1,21})", re.ASCII)


@dataclass(frozen=True, order=True)
class Stamp:
    millis: int
    counter: int
    node: str

    def encode(self) -> str:
        return f"{self.millis:013d}-{self.counter:04d}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        match = _STAMP.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"not an HLC stamp: {text!r}"[:80])
        return cls(int(match[1]), int(match[2]), match[3])


def is_valid(text: str) -> bool:
    try:
        Stamp.parse(text)
    except (ValueError, AttributeError):
        return False
    return True


def stamp_receive(text: str, *, wall_ms: int, max_drift_ms: int) -> tuple[str, bool]:
    """A stamp as received from a device: (what to keep, whether it was clamped).

    A stamp more than `max_drift_ms` ahead of our wall clock is brought back to it (counter
    and node kept), so a phone with a wrong clock, or a forged stamp, never wins a merge.
    A malformed stamp is dropped (""): merge rules then fall back to the event's time."""
    try:
        stamp = Stamp.parse(text)
    except ValueError:
        return "", False
    if stamp.millis - wall_ms > max_drift_ms:
        return Stamp(wall_ms, stamp.counter, stamp.node).encode(), True
    return text, False


class HybridClock:
    """Thread-safe HLC for one node. `max_drift_ms` bounds how far a remote stamp may pull us."""

    def __init__(self, node: str, *, wall=None, max_drift_ms: int = 5 * 60 * 1000) -> None:
        self._node = node
        self._wall = wall or (lambda: int(time.time() * 1000))
        self._last = Stamp(0, 0, node)
        self._lock = threading.Lock()
        self._max_drift_ms = max_drift_ms

    def now(self) -> Stamp:
        with self._lock:
            wall = self._wall()
            if wall > self._last.millis:
                self._last = Stamp(wall, 0, self._node)
            else:
                self._last = Stamp(self._last.millis, self._bump(self._last.counter), self._node)
            return self._last

    def receive(self, remote: Stamp) -> Stamp:
        """Advance past a stamp seen from elsewhere (a pulled change, a received event)."""
        with self._lock:
            wall = self._wall()
            if remote.millis - wall > self._max_drift_ms:
                # A far-future stamp would drag every later stamp with it; refuse to follow.
                remote = Stamp(wall, remote.counter, remote.node)
            top = max(wall, self._last.millis, remote.millis)
            if top == self._last.millis == remote.millis:
                counter = self._bump(max(self._last.counter, remote.counter))
            elif top == self._last.millis:
                counter = self._bump(self._last.counter)
            elif top == remote.millis:
                counter = self._bump(remote.counter)
            else:
                counter = 0
            self._last = Stamp(top, counter, self._node)
            return self._last

    @staticmethod
    def _bump(counter: int) -> int:
        if counter >= MAX_COUNTER:
            raise OverflowError("HLC counter overflow: too many stamps in one millisecond")
        return counter + 1
