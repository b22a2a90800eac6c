"""Channel-layer groups: who hears which facility's changes, and what each hears after a
commit: a poke for the phones, the facts for the dashboards. Both hooks are registered with
`sync.registry.on_commit` (server/live/apps.py), so they run on the worker that committed,
after the commit (never inside it: docs/architecture.md).

The names mirror the pull filter (`sync.changes._scope_filter`): a socket joins the groups of
its scope (`for_scope_entry`), a commit pokes the groups that may pull what it changed
(`pokes_send`). A poke carries no data: the phone pulls over HTTP. So a poke lost in the
channel layer (Redis reconnect, full channel) delays a sync, never loses an entry.

A dashboard hears one message per facility and commit on `dashboard(facility_id)`; with
channels-redis every worker's dashboards in that group receive it, whichever worker took the
sync call. A fact is the committed change, cut down to the fields the projection reads, so a
batch of 500 events stays a small message. Changes of other types only say who acted (for
"carers on shift"). A lost message makes a dashboard stale until its next snapshot
(reconnect or shift change), never loses data: the record is in the database.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder

from server.live.dashboard.projection import ACTOR_FIELDS
from sync.registry import CommitSummary, PendingChange, ScopeEntry
from sync.types import STAFF, staff_only, synced, types_in_scope

log = logging.getLogger("catruc.live")

Send = tuple[str, dict[str, Any], Any]  # (group, message, what a failure's log line names)


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
    """Commit hook: poke every socket whose scope saw a change."""
    sends: list[Send] = []
    for summary in summaries.values():
        message = {
            "type": "live.poke",
            "cursor": summary.last_seq,
            "facility": str(summary.facility_id),
        }
        sends += [(name, message, name) for name in sorted(poke_targets(summary))]
    # The data is committed; a failed poke only delays the next pull.
    _send(sends, "poke to %s failed")


def record_fact(
    type_: str, record_id: Any, data: dict[str, Any], *, version: int = 1, op: str = "upsert"
) -> dict[str, Any]:
    """A record as the projection reads it: its change data cut down to the `dashboard`
    fields of its type's declaration (`server/<app>/sync.py`, `sync/types.py`).

    Deltas (`fact_of`) and the snapshot both build their facts here, from the change type's
    own serializer, so the dashboard's copy of a record has one shape, declared once."""
    kept = {f: data[f] for f in dashboard_fields_of(type_) if f in data}
    # A handler's in-memory data may hold UUIDs or datetimes (conflict details): make it what
    # the pull would send, so the channel layer's msgpack can carry it. Data that is JSON
    # already (a task's: text, numbers, None) would come back from that round trip as it
    # went in, and a push of 500 completions paid it 500 times.
    if not _json_as_is(kept):
        kept = json.loads(json.dumps(kept, cls=DjangoJSONEncoder))
    return {"type": type_, "id": str(record_id), "v": version, "op": op, "data": kept}


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _json_as_is(value: Any) -> bool:
    """Whether `json.loads(json.dumps(value))` equals `value`, value for value: exact JSON
    types only (a subclass, a tuple, a non-text key takes the round trip)."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    # A dict by a loop, a scalar judged in place: a push's 500 facts of ~10 fields each made
    # 5,000 generator steps and as many calls.
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (type(item) not in _SCALARS and not _json_as_is(item)):
                return False
        return True
    if kind is list:
        return all(type(item) in _SCALARS or _json_as_is(item) for item in value)
    return False


def dashboard_fields_of(type_: str) -> tuple[str, ...]:
    """The fields the projection reads of a type; empty: a type it does not read."""
    declared = synced(type_)
    return declared.dashboard if declared is not None else ()


def fact_of(change: PendingChange) -> dict[str, Any] | None:
    if not dashboard_fields_of(change.type):
        actors = {f: change.data[f] for f in ACTOR_FIELDS if change.data.get(f)}
        return {"type": "actor", "id": str(change.record_id), "data": actors} if actors else None
    return record_fact(
        change.type, change.record_id, change.data, version=change.version, op=change.op
    )


def facts_of(summary: CommitSummary) -> list[dict[str, Any]]:
    return [fact for fact in map(fact_of, summary.changes) if fact is not None]


def device_fact_send(sender: Any, facility_id: UUID, fact: dict[str, Any], **kwargs: Any) -> None:
    """Receiver of `server.accounts.services.device_changed`: a phone's health is not a change of the log,
    so it reaches the boards on its own (at most once a minute per phone)."""
    message = {"type": "dashboard.facts", "seq": None, "facts": [fact]}
    _send([(dashboard(facility_id), message, facility_id)], "dashboard device fact for %s failed")


def dashboard_facts_send(summaries: dict[UUID, CommitSummary]) -> None:
    """Commit hook: each facility's facts to its dashboards."""
    sends: list[Send] = []
    for summary in summaries.values():
        facts = facts_of(summary)
        if facts:
            message = {"type": "dashboard.facts", "seq": summary.last_seq, "facts": facts}
            sends.append((dashboard(summary.facility_id), message, summary.facility_id))
    # Committed already; a dashboard that misses this is refreshed by its next snapshot.
    _send(sends, "dashboard facts for %s failed")


def _send(sends: list[Send], failed: str) -> None:
    layer = get_channel_layer()
    if layer is not None:
        sends_in_order(layer, sends, failed)


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
