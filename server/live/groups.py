"""Channel-layer groups: who hears which facility's changes, and the poke each hears after a
commit.

The names mirror the pull filter (`sync.changes._scope_filter`): a socket joins the groups of
its scope (`for_scope_entry`), a commit pokes the groups that may pull what it changed
(`pokes_send`). A poke carries no data: the phone pulls over HTTP. So a poke lost in the
channel layer (Redis reconnect, full channel) delays a sync, never loses an entry.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from sync.registry import CommitSummary, ScopeEntry
from sync.types import STAFF, staff_only, types_in_scope

log = logging.getLogger("catruc.live")


def full(facility_id: UUID | str) -> str:
    return f"live.{facility_id}.full"


def common(facility_id: UUID | str) -> str:
    return f"live.{facility_id}.common"


def area(facility_id: UUID | str, area_id: UUID | str) -> str:
    return f"live.{facility_id}.a.{area_id}"


def of_type(facility_id: UUID | str, type_: str) -> str:
    return f"live.{facility_id}.t.{type_}"


def dashboard(facility_id: UUID | str) -> str:
    return f"dash.{facility_id}"


def for_scope_entry(entry: ScopeEntry) -> list[str]:
    """The groups a socket with this scope joins: mirrors sync.changes._scope_filter."""
    if entry.whole_facility:
        return [full(entry.facility_id)]
    names = [common(entry.facility_id)]
    names += [area(entry.facility_id, a) for a in sorted(entry.area_ids, key=str)]
    names += [of_type(entry.facility_id, t) for t in sorted(entry.extra_types)]
    return names


def for_change(facility_id: UUID, area_id: UUID | None, types: set[str]) -> set[str]:
    """Who hears changes of `types` in this area: mirrors sync.changes._scope_filter (the
    "staff" types reach the facility-wide roles only)."""
    names = {full(facility_id)}
    audience = types - types_in_scope(STAFF)
    if audience:
        names.add(common(facility_id) if area_id is None else area(facility_id, area_id))
        names.update(of_type(facility_id, t) for t in audience)
    return names


def poke_targets(summary: CommitSummary) -> set[str]:
    names: set[str] = set()
    by_area: dict[UUID | None, set[str]] = {}
    for change in summary.changes:
        if staff_only(change):
            names.add(full(summary.facility_id))  # the facility-wide roles only
            continue
        by_area.setdefault(change.area_id, set()).add(change.type)
    for area_id, types in by_area.items():
        names |= for_change(summary.facility_id, area_id, types)
    return names


def pokes_send(summaries: dict[UUID, CommitSummary]) -> None:
    """Commit hook (server/live/apps.py): poke every socket whose scope saw a change."""
    layer = get_channel_layer()
    if layer is None:
        return
    sends = []
    for summary in summaries.values():
        message = {
            "type": "live.poke",
            "cursor": summary.last_seq,
            "facility": str(summary.facility_id),
        }
        sends += [(name, message, name) for name in sorted(poke_targets(summary))]
    # The data is committed; a failed poke only delays the next pull.
    sends_in_order(layer, sends, "poke to %s failed")


Send = tuple[str, dict[str, Any], Any]  # (group, message, what a failure's log line names)


def sends_in_order(layer: Any, sends: list[Send], failed: str) -> None:
    """`layer.group_send` each (group, message) in turn, from synchronous code, in one trip
    to the event loop: each `async_to_sync` is a hand-off to another thread and back, and a
    push poked its groups one trip each. A send that fails is logged (`failed` % what) and
    the next goes on; when the trip itself cannot be made (called from a thread that runs
    an event loop), every send is logged as failed, as each would have failed alone."""
    if not sends:
        return
    try:
        async_to_sync(_send_each)(layer, sends, failed)
    except Exception:
        for _, _, what in sends:
            log.warning(failed, what, exc_info=True)


async def _send_each(layer: Any, sends: list[Send], failed: str) -> None:
    for name, message, what in sends:
        try:
            await layer.group_send(name, message)
        except Exception:
            log.warning(failed, what, exc_info=True)
