"""Each phone's health for its managers: when it last synced, as whom, which app version, how
many entries it still holds (docs/protocol.md §2, `client`; the rules in `rules.py`).

Recorded from the sync call's answer (`sync.api.sync_call_answered`) with the Device row the
token check already loaded, so a call costs no read and at most one UPDATE, and none at all
when nothing changed and the last stamp is under a minute old. Each write is announced with
`device_changed` (the dashboard listens: server/live/dashboard/facts.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.dispatch import Signal
from django.utils import timezone

from server.accounts.models import Device
from server.accounts.rules import call_status, client_parse, health_warnings

# A row is stamped again at most this often when nothing else changed.
SEEN_EVERY = timedelta(minutes=1)
# After a device's row was written: facility_id, and `fact`, the device as the dashboard reads it.
device_changed = Signal()


def device_fact(device: Device, last_user: Any, now: datetime) -> dict[str, Any]:
    """The device as managers read it, in the shape of a dashboard fact; its version is the
    last stamp (ms), so an older fact arriving late never hides a newer one."""
    seen = device.last_seen_at
    return {
        "type": "device",
        "id": str(device.id),
        "v": int(seen.timestamp() * 1000) if seen else 0,
        "op": "upsert",
        "data": {
            "name": device.name or str(device.id)[:8],
            "last_user": (last_user.full_name or last_user.username) if last_user else None,
            "last_seen_at": seen.isoformat() if seen else None,
            "last_status": device.last_status or None,
            "app_version": device.app_version or None,
            "queued": device.queued,
            "queued_since": device.queued_since.isoformat() if device.queued_since else None,
            "revoked": device.revoked,
            "warnings": health_warnings(
                last_seen_at=seen, queued=device.queued, queued_since=device.queued_since, now=now
            ),
        },
    }


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
    if device.facility_id is not None:
        fact = device_fact(device, identity.user, now)
        device_changed.send(sender=Device, facility_id=device.facility_id, fact=fact)


def devices_facts(facility_id: UUID, now: datetime) -> list[dict[str, Any]]:
    """The facility's phones, each as `device_fact` shapes it (the devices list, the board)."""
    rows = Device.objects.filter(facility_id=facility_id).select_related("last_user")
    return [device_fact(d, d.last_user, now) for d in rows.order_by("name", "id")]
