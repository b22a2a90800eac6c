"""The time a rule judges an event by: the server judges time it can judge.

An event's `at` is the device's word. A phone whose clock runs fast, or a forged `at`,
must not move a deadline (a food sample's keep_until, a PRN interval, a dose window) nor
pin a resident's status in the future. So wherever a rule depends on time, a device time
more than CLOCK_SKEW_SECONDS ahead of the server's receipt is judged, and stored, as the
receipt time, and the event is flagged `clock_skew` (docs/care-events.md).
"""

from __future__ import annotations

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
