"""After a sync transaction commits, poke the sockets whose scope saw a change.

A poke carries no data: the phone pulls over HTTP. So a poke lost in the channel layer
(Redis reconnect, full channel) delays a sync, never loses an entry.
"""

from __future__ import annotations

import logging
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from server.live import groups
from sync.registry import CommitSummary
from sync.types import staff_only

log = logging.getLogger("catruc.live")


def poke_targets(summary: CommitSummary) -> set[str]:
    names: set[str] = set()
    by_area: dict[UUID | None, set[str]] = {}
    for change in summary.changes:
        if staff_only(change):
            names.add(groups.full(summary.facility_id))  # the facility-wide roles only
            continue
        by_area.setdefault(change.area_id, set()).add(change.type)
    for area_id, types in by_area.items():
        names |= groups.for_change(summary.facility_id, area_id, types)
    return names


def pokes_send(summaries: dict[UUID, CommitSummary]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for summary in summaries.values():
        message = {
            "type": "live.poke",
            "cursor": summary.last_seq,
            "facility": str(summary.facility_id),
        }
        for name in sorted(poke_targets(summary)):
            try:
                async_to_sync(layer.group_send)(name, message)
            except Exception:
                # The data is committed; a failed poke only delays the next pull.
                log.warning("poke to %s failed", name, exc_info=True)
