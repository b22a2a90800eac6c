"""Pure rules of devices' health (docs/protocol.md §2, `client`): what a phone's report says,
and when a manager should look at a phone. No database: tested with tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# A phone unseen for this long, or holding entries this long, is shown with a warning.
STALE_AFTER = timedelta(days=1)
QUEUED_TOO_LONG = timedelta(hours=1)
VERSION_MAX = 40
QUEUED_MAX = 1_000_000


@dataclass(frozen=True)
class ClientReport:
    version: str | None = None
    queued: int | None = None


def client_parse(value: Any) -> ClientReport:
    """What the phone says about itself, read as hostile input: each field that is not what
    the protocol describes is dropped alone, and nothing here ever fails the call."""
    if not isinstance(value, dict):
        return ClientReport()
    version = value.get("version")
    if not (
        isinstance(version, str)
        and 0 < len(version) <= VERSION_MAX
        and version.isascii()
        and version.isprintable()
    ):
        version = None
    queued = value.get("queued")
    if isinstance(queued, bool) or not isinstance(queued, int) or not 0 <= queued <= QUEUED_MAX:
        queued = None
    return ClientReport(version=version, queued=queued)


def call_status(body: dict[str, Any]) -> str:
    """One word for how the call went: any event refused makes it `rejected`."""
    statuses = {r.get("status") for r in body.get("results", ()) if isinstance(r, dict)}
    return "rejected" if "rejected" in statuses else "ok"


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
