"""Pure rules of devices' health (docs/protocol.md §2, `client`): when a manager should look
at a phone. No database: tested with tables."""

from __future__ import annotations

from datetime import datetime, timedelta

# A phone's clock further off than the server allows an event's time (docs/protocol.md §7).
from sync.protocol import CLOCK_SKEW_SECONDS

# A phone unseen for this long, or holding entries this long, is shown with a warning.
STALE_AFTER = timedelta(days=1)
QUEUED_TOO_LONG = timedelta(hours=1)
# A new reading of a phone's clock within this of the kept one is not written: each call
# reads a second or two apart (the time on the wire), and the device row is written only
# when something changed.
CLOCK_STEP_SECONDS = 60
# The most a skew can be stored as (the column is a 32-bit integer: ±68 years).
CLOCK_SKEW_MAX = 2**31 - 1


def health_warnings(
    *,
    last_seen_at: datetime | None,
    queued: int | None,
    queued_since: datetime | None,
    now: datetime,
    clock_skew: int | None = None,
) -> list[str]:
    """Why a manager should look at this phone: `stale` (silent for over a day), `queued_long`
    (entries waiting for over an hour), `clock` (its clock over 5 minutes off at its last
    report). One that never synced holds nothing we know of (the dashboard's own browser is
    such a device): no warning."""
    warnings = []
    if last_seen_at is not None and now - last_seen_at > STALE_AFTER:
        warnings.append("stale")
    if queued and queued_since is not None and now - queued_since > QUEUED_TOO_LONG:
        warnings.append("queued_long")
    if clock_skew is not None and abs(clock_skew) > CLOCK_SKEW_SECONDS:
        warnings.append("clock")
    return warnings


def clock_skew_of(phone_ms: int, server: datetime) -> int:
    """The phone's clock minus the server's, in whole seconds, within what can be stored."""
    skew = round(phone_ms / 1000 - server.timestamp())
    return max(-CLOCK_SKEW_MAX, min(CLOCK_SKEW_MAX, skew))


def clock_skew_kept(kept: int | None, new: int) -> int | None:
    """The skew to write, or None to keep the stored one: a reading within a minute of it
    says nothing new."""
    if kept is not None and abs(new - kept) <= CLOCK_STEP_SECONDS:
        return None
    return new
