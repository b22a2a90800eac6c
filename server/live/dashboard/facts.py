"""After a transaction commits, send its dashboard facts to the facility's dashboards.

Registered with `sync.registry.on_commit`, so it runs on the worker that committed, after
the commit (never inside it: docs/architecture.md). One channel-layer message per facility and commit
goes to `groups.dashboard(facility_id)`; with channels-redis every worker's dashboards in
that group receive it, whichever worker took the sync call.

A fact is the committed change, cut down to the fields the projection reads, so a batch of
500 events stays a small message. Changes of other types only say who acted (for "carers
on shift"). A lost message makes a dashboard stale until its next snapshot (reconnect or
shift change), never loses data: the record is in the database.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder

from server.live import groups
from server.live.dashboard.projection import ACTOR_FIELDS
from sync.registry import CommitSummary, PendingChange
from sync.types import synced


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
    if kind is dict:
        return all(type(k) is str and _json_as_is(v) for k, v in value.items())
    if kind is list:
        return all(_json_as_is(v) for v in value)
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
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "dashboard.facts", "seq": None, "facts": [fact]}
    send = (groups.dashboard(facility_id), message, facility_id)
    groups.sends_in_order(layer, [send], "dashboard device fact for %s failed")


def dashboard_facts_send(summaries: dict[UUID, CommitSummary]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    sends = []
    for summary in summaries.values():
        facts = facts_of(summary)
        if facts:
            message = {"type": "dashboard.facts", "seq": summary.last_seq, "facts": facts}
            sends.append((groups.dashboard(summary.facility_id), message, summary.facility_id))
    # Committed already; a dashboard that misses this is refreshed by its next snapshot.
    groups.sends_in_order(layer, sends, "dashboard facts for %s failed")
