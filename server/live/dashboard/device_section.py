"""The board's "devices" section: each phone's last sync, version and queue, with the warnings
`server/accounts/rules.py` decides (silent for over a day, entries queued for long). Fed by
`device` facts and re-judged on every tick, since a phone falls silent without a fact saying
so; no database here, like the rest of the projection."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from server.accounts.rules import health_warnings
from server.live.dashboard.rules import SectionView, parse_time

SECTION = "devices"


class DeviceSection:
    def __init__(self, view: SectionView, clock: Callable[[], datetime]) -> None:
        self.view = view
        self.clock = clock  # the projection's "now": a fact's time, or the tick's
        self.devices: dict[str, dict[str, Any]] = {}

    def device(self, device_id: str, d: dict[str, Any], *, deleted: bool) -> None:
        self.devices[device_id] = d
        self._show(device_id)

    def tick(self) -> None:
        for device_id in self.devices:
            self._show(device_id)

    def _show(self, device_id: str) -> None:
        d = self.devices[device_id]
        warnings = health_warnings(
            last_seen_at=parse_time(d.get("last_seen_at")),
            queued=d.get("queued"),
            queued_since=parse_time(d.get("queued_since")),
            now=self.clock(),
            clock_skew=d.get("clock_skew"),
        )
        self.view.set(SECTION, device_id, {**d, "warnings": warnings})
