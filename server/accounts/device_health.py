"""Each phone's health for its managers: when it last synced, as whom, which app version, how
many entries it still holds (docs/protocol.md §2, `client`).

Recorded from the sync call's answer (`sync.api.sync_call_answered`) with the Device row the
token check already loaded, so a call costs no read and at most one UPDATE, and none at all
when nothing changed and the last stamp is under a minute old.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.utils import timezone

from server.accounts.models import Device

# A row is stamped again at most this often when nothing else changed.
SEEN_EVERY = timedelta(minutes=1)
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
        and version.isprintable()
        and version.isascii()
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


def device_seen(
    sender: Any, body: dict[str, Any], identity: Any = None, client: Any = None, **kwargs: Any
) -> None:
    """Receiver of `sync_call_answered`: stamp the calling device."""
    if identity is None:
        return
    device: Device = identity.device
    report = client_parse(client)
    now = timezone.now()
    values: dict[str, Any] = {"last_user_id": identity.user.pk, "last_status": call_status(body)}
    if report.version is not None:
        values["app_version"] = report.version
    if report.queued is not None:
        values["queued"] = report.queued
        if not report.queued:
            values["queued_since"] = None
        elif not device.queued or device.queued_since is None:
            values["queued_since"] = now
    changed = any(getattr(device, k) != v for k, v in values.items())
    if not changed and device.last_seen_at is not None and now - device.last_seen_at < SEEN_EVERY:
        return
    values["last_seen_at"] = now
    Device.objects.filter(id=device.id).update(**values)
    for key, value in values.items():
        setattr(device, key, value)


def devices_data(facility_id: UUID, now: datetime) -> dict[str, dict[str, Any]]:
    """The facility's phones as managers read them (the devices list and the dashboard)."""
    rows = Device.objects.filter(facility_id=facility_id).select_related("last_user")
    return {
        str(d.id): {
            "name": d.name or str(d.id)[:8],
            "last_user": (d.last_user.full_name or d.last_user.username) if d.last_user else None,
            "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
            "last_status": d.last_status or None,
            "app_version": d.app_version or None,
            "queued": d.queued,
            "queued_since": d.queued_since.isoformat() if d.queued_since else None,
            "revoked": d.revoked,
            "warnings": health_warnings(
                last_seen_at=d.last_seen_at, queued=d.queued, queued_since=d.queued_since, now=now
            ),
        }
        for d in rows.order_by("name", "id")
    }
