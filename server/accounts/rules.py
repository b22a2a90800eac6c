"""Pure rules of devices' health (docs/protocol.md §2, `client`): when a manager should look
at a phone. No database: tested with tables."""

from __future__ import annotations

from datetime import datetime, timedelta

# A phone unseen for this long, or holding entries this long, is shown with a warning.
STALE_AFTER = timedelta(days=1)
QUEUED_TOO_LONG = timedelta(hours=1)


def health_warnings(
    *,
    last_seen_at: datetime | None,
    queued: int | None,
    queued_since: datetime | None,
    now: datetime,
) -> list[str]:
    """Why a manager should look at this phone: `stale` (silent for over a day), `queued_long`
    (entries waiting for over an hour). One that never synced holds nothing we know of (the
    dashboard's own browser is such a device): no warning."""
    warnings = []
    if last_seen_at is not None and now - last_seen_at > STALE_AFTER:
        warnings.append("stale")
    if queued and queued_since is not None and now - queued_since > QUEUED_TOO_LONG:
        warnings.append("queued_long")
    return warnings
