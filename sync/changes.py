"""The change log: allocating sequence numbers on write, and the scoped, paged pull."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from sync.models import Change, Stream
from sync.protocol import MAX_CHANGES_PER_PAGE, Cursor
from sync.registry import CommitSummary, PendingChange, Scope, ScopeEntry
from sync.rows import rows_insert
from sync.types import STAFF, types_in_scope

# The columns of a Change row as ChangeWriter.flush builds it (the id comes from the table).
CHANGE_COLUMNS = (
    "facility_id",
    "seq",
    "type",
    "record_id",
    "op",
    "version",
    "data",
    "area_id",
    "origin_device",
    "origin_user",
    "superseded",
    "created_at",
)
_SUPERSEDED = CHANGE_COLUMNS.index("superseded")


def streams_lock(facility_ids: list[UUID]) -> dict[UUID, Stream]:
    """Lock the facilities' counter rows, in id order so two calls never deadlock.

    Must run inside the writing transaction. Holding these rows is what makes change
    sequence numbers commit in order (see docs/protocol.md, "Sequence numbers").
    """
    ordered = sorted(set(facility_ids), key=str)
    if not ordered:
        return {}
    # Create missing counters without racing another first writer of the same facility.
    Stream.objects.bulk_create([Stream(facility_id=f) for f in ordered], ignore_conflicts=True)
    rows = (
        Stream.objects.select_for_update().filter(facility_id__in=ordered).order_by("facility_id")
    )
    return {row.facility_id: row for row in rows}


def stream_heads(facility_ids: list[UUID]) -> dict[UUID, int]:
    """Committed high-water marks. Every change at or below one is already committed,
    because a stream's last_seq moves in the same transaction that wrote its changes."""
    rows = Stream.objects.filter(facility_id__in=facility_ids).values_list(
        "facility_id", "last_seq"
    )
    heads = {f: 0 for f in facility_ids}
    heads.update(dict(rows))
    return heads


class ChangeWriter:
    """Collects the changes of one call, then writes them with dense per-facility seqs."""

    def __init__(
        self,
        *,
        origin_device: UUID | None,
        streams: dict[UUID, Stream],
        origin_user: UUID | None = None,
    ) -> None:
        self.origin_device = origin_device
        self.origin_user = origin_user
        self.streams = streams
        self.pending: list[PendingChange] = []
        self.event_names: dict[UUID, list[str]] = defaultdict(list)

    def emit(self, change: PendingChange) -> None:
        self.pending.append(change)

    def mark(self) -> int:
        return len(self.pending)

    def rollback_to(self, mark: int) -> None:
        del self.pending[mark:]

    def flush(self) -> dict[UUID, CommitSummary]:
        if not self.pending:
            return {}
        summaries: dict[UUID, CommitSummary] = {}
        rows: list[list[Any]] = []
        newest: dict[tuple[UUID, str, UUID], list[Any]] = {}
        created_at = timezone.now()
        # Each stream's head before this call's changes: older rows are the ones superseded.
        before = {f: self.streams[f].last_seq for f in {p.facility_id for p in self.pending}}
        origin_device, origin_user = self.origin_device, self.origin_user
        for pending in self.pending:
            facility_id = pending.facility_id
            stream = self.streams[facility_id]
            stream.last_seq = seq = stream.last_seq + 1
            row = [
                facility_id,
                seq,
                pending.type,
                pending.record_id,
                pending.op,
                pending.version,
                pending.data,
                pending.area_id,
                origin_device,
                origin_user,
                False,
                created_at,
            ]
            key = (facility_id, pending.type, pending.record_id)
            earlier = newest.get(key)
            if earlier is not None:
                earlier[_SUPERSEDED] = True
            newest[key] = row
            rows.append(row)
            summary = summaries.get(facility_id)
            if summary is None:  # made once per facility, not once per change
                summary = summaries[facility_id] = CommitSummary(facility_id, seq)
            summary.last_seq = seq
            summary.area_ids.add(pending.area_id)
            summary.types.add(pending.type)
            summary.changes.append(pending)
        rows_insert(Change, CHANGE_COLUMNS, rows)
        for facility_id, head in before.items():
            _supersede(facility_id, head)
        for facility_id in summaries:
            stream = self.streams[facility_id]
            Stream.objects.filter(facility_id=facility_id).update(last_seq=stream.last_seq)
        return summaries


def _supersede(facility_id: UUID, head: int) -> None:
    """Mark superseded the facility's changes up to `head` (those before this call) of every
    record this call's changes (above `head`, just written) are about. One statement that
    finds the records itself, instead of sending their ids (500 for a push of 500)."""
    table = connection.ops.quote_name(Change._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {table} SET "superseded" = true FROM {table} AS later'
            f' WHERE later."facility_id" = %s AND later."seq" > %s'
            f' AND {table}."facility_id" = %s AND {table}."seq" <= %s'
            f' AND {table}."type" = later."type" AND {table}."record_id" = later."record_id"'
            f' AND NOT {table}."superseded"',
            [facility_id, head, facility_id, head],
        )


def _scope_filter(entry: ScopeEntry) -> Q:
    """What a member who does not see the whole facility pulls (the scopes: sync/types.py):
    the changes of no area or of her areas, those of her audiences (`extra_types`), never a
    "staff" type nor a conflict about one. Stock changes written before the scopes were
    declared carry a fake area nobody has; the type excludes them as well."""
    if entry.whole_facility:
        return Q()
    visible = Q(area_id__isnull=True) | Q(area_id__in=list(entry.area_ids))
    if entry.extra_types:
        visible |= Q(type__in=list(entry.extra_types))
    staff = sorted(types_in_scope(STAFF))
    if staff:
        visible &= ~Q(type__in=staff) & ~Q(type="conflict", data__subject_type__in=staff)
    return visible


def _own(device_id: UUID, user_id: UUID | None, floor: int) -> Q:
    """Changes this replica (device + user) made above its echo floor: it knows them already."""
    mine = Q(origin_device=device_id, seq__gt=floor)
    if user_id is not None:
        mine &= Q(origin_user=user_id) | Q(origin_user__isnull=True)
    return mine


def changes_pull(
    *,
    scope: Scope,
    cursor: Cursor,
    device_id: UUID,
    user_id: UUID | None = None,
    limit: int = MAX_CHANGES_PER_PAGE,
    heads: dict[UUID, int] | None = None,
) -> tuple[list[dict], Cursor, bool]:
    """One page of changes after `cursor`, newest version of each record only.

    No echo: a replica's own changes above its echo floor are skipped, it already knows
    them from its push results. Two exceptions, both so that the replica converges:
    - conflicts are always sent, they are news to their author too;
    - an own change is sent when the same record has a change this replica has not seen
      (after its cursor, by someone else). That change is superseded by the own one, so
      the own change is the only way the replica learns what it carried (a new title, a
      record it never had).
    `heads`: the scope's committed stream heads when the caller knows them (it read them,
    or holds the streams locked). Returns (changes, new cursor, more).
    """
    if heads is None:
        heads = stream_heads([e.facility_id for e in scope])
    positions = dict(cursor.positions)
    floor = dict(cursor.floor)
    out: list[dict] = []
    more = False
    for entry in sorted(scope, key=lambda e: str(e.facility_id)):
        key = str(entry.facility_id)
        start = positions.get(key, 0)
        head = heads[entry.facility_id]
        floor.setdefault(key, head)
        if head <= start:
            positions[key] = max(start, head)
            continue
        room = limit - len(out)
        if room <= 0:
            more = True
            break
        own = _own(device_id, user_id, floor[key])
        unseen_other = Change.objects.filter(
            facility_id=entry.facility_id,
            type=OuterRef("type"),
            record_id=OuterRef("record_id"),
            seq__gt=start,
            seq__lt=OuterRef("seq"),
        ).exclude(own)
        rows = list(
            Change.objects.filter(
                facility_id=entry.facility_id, seq__gt=start, seq__lte=head, superseded=False
            )
            .filter(_scope_filter(entry))
            .exclude(own & ~Q(type="conflict") & ~Exists(unseen_other))
            .order_by("seq")
            .values_list("seq", "type", "record_id", "op", "version", "data")[: room + 1]
        )
        if len(rows) > room:
            rows = rows[:room]
            positions[key] = rows[-1][0]
            more = True
        else:
            positions[key] = head
        out.extend(
            {"seq": seq, "type": type_, "id": str(rid), "op": op, "version": version, "data": data}
            for seq, type_, rid, op, version, data in rows
        )
        if more:
            break
    return (
        out,
        Cursor(scope=cursor.scope, epoch=cursor.epoch, positions=positions, floor=floor),
        more,
    )
