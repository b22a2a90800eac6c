"""The change log: allocating sequence numbers on write; and the read side: the database
epoch carried in every cursor (docs/protocol.md §5, "Epoch"), the stream heads, a sync
call's first read (the caller's row, the epoch and the heads in one statement), the scoped,
paged pull."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from django.db import connection, connections
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from sync.models import Change, Epoch, Stream
from sync.protocol import MAX_CHANGES_PER_PAGE, Cursor
from sync.registry import CommitSummary, PendingChange, Scope, ScopeEntry
from sync.rows import column_read, converted, prepared_cursor, rows_insert
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


# Every sync call reads it: the SQL the ORM would write (quoted names), without compiling it.
_READ = f'SELECT "value", "restored_at" FROM "{Epoch._meta.db_table}" WHERE "id" = 1'


@dataclass(frozen=True)
class DatabaseEpoch:
    value: str
    # Set after deploy/restore: a cursor without an epoch may then be ahead of this change
    # log, so it is refused like one of another epoch.
    restored_at: datetime | None


@dataclass(frozen=True)
class CallRead:
    """What a sync call's first statement read, for the rest of the call (`reading`).

    `heads`: the committed stream heads of exactly these facilities (those of the scope the
    caller's worker kept; none on its first call). `scope`: that scope, when the caller's
    app confirmed in the same statement that it is still current; None: read it afresh."""

    epoch: DatabaseEpoch | None
    heads: dict[UUID, int]
    user_id: Any = None
    scope: Scope | None = None
    # The scope's version read in the same statement (the app's value, opaque here): a scope
    # read afresh is kept under it.
    version: Any = None


_current: ContextVar[CallRead | None] = ContextVar("sync_call_read", default=None)


@contextmanager
def reading(read: CallRead | None) -> Iterator[None]:
    """For this block, `epoch_current`, `sync.changes.stream_heads` and the scope provider
    answer from `read` (what it holds) instead of a statement each."""
    token = _current.set(read)
    try:
        yield
    finally:
        _current.reset(token)


def call_read_current() -> CallRead | None:
    return _current.get()


@cache
def _read_plan(alias: str, facilities: int) -> tuple[str, list[Any]]:
    conn = connections[alias]
    quote = conn.ops.quote_name
    epoch_table, stream_table = str(Epoch._meta.db_table), str(Stream._meta.db_table)
    epoch, stream = quote(epoch_table), quote(stream_table)
    fields: list[tuple[str, Any]] = [
        (epoch_table, Epoch._meta.get_field("value")),
        (epoch_table, Epoch._meta.get_field("restored_at")),
        (stream_table, Stream._meta.get_field("facility_id")),
        (stream_table, Stream._meta.get_field("last_seq")),
    ]
    columns, converters = [], []
    for table, field in fields:
        selected, reader = column_read(conn, table, field)
        columns.append(selected)
        converters.append(reader)
    facility = f"{stream}.{quote(str(Stream._meta.get_field('facility_id').column))}"
    among = f"{facility} IN ({', '.join(['%s'] * facilities)})" if facilities else "1 = 0"
    sql = (
        f"SELECT {', '.join(columns)}, {{columns}} FROM {{tables}}"
        f" LEFT OUTER JOIN {epoch} ON ({epoch}.{quote('id')} = 1)"
        f" LEFT OUTER JOIN {stream} ON ({among}) WHERE {{where}}"
    )
    return sql, converters


def read_with_heads(
    columns: str, tables: str, where: str, params: list[Any], facility_ids: list[UUID]
) -> tuple[tuple | None, CallRead]:
    """`SELECT columns FROM tables WHERE where` (the caller's one row, or none) with the
    epoch and these facilities' heads, in one statement. Returns the caller's row (None if
    none) and what the engine read (its epoch None if the row was not found)."""
    alias = Stream.objects.db
    template, converters = _read_plan(alias, len(facility_ids))
    conn = connections[alias]
    sql = template.format(columns=columns, tables=tables, where=where)
    facility = Stream._meta.get_field("facility_id")
    ids = [facility.get_db_prep_value(f, conn) for f in facility_ids]
    with prepared_cursor(conn) as cursor:
        cursor.execute(sql, ids + params)
        rows = cursor.fetchall()
    if not rows:
        return None, CallRead(epoch=None, heads={})
    heads = dict.fromkeys(facility_ids, 0)
    for row in rows:
        if row[2] is not None:
            _, _, facility_id, last_seq = converted(row[:4], converters, conn)
            heads[facility_id] = last_seq
    first = rows[0]
    epoch = None
    if first[0] is not None:
        value, restored = converted(first[:2], converters[:2], conn)
        epoch = DatabaseEpoch(value, restored)
    return first[4:], CallRead(epoch=epoch, heads=heads)


def epoch_current() -> DatabaseEpoch:
    """Read on every call, never cached: one primary-key row, and a worker that outlived a
    restore must not keep accepting the old database's cursors. Inside `reading`, the one
    the call's first statement read."""
    read = _current.get()
    if read is not None and read.epoch is not None:
        return read.epoch
    with connection.cursor() as cursor:
        cursor.execute(_READ)
        row = cursor.fetchone()
    if row is None:
        # Only a database whose tables were emptied without migrating (a test's flush):
        # a fresh epoch, made once even when two calls race for it.
        Epoch.objects.bulk_create([Epoch(id=1, value=secrets.token_hex(3))], ignore_conflicts=True)
        row = Epoch.objects.filter(id=1).values_list("value", "restored_at").get()
    return DatabaseEpoch(*row)


def stream_heads(facility_ids: list[UUID]) -> dict[UUID, int]:
    """Committed high-water marks. Every change at or below one is already committed,
    because a stream's last_seq moves in the same transaction that wrote its changes.
    Inside `reading`, those the call's first statement read, when it read
    exactly these facilities' (a no-op call reads nothing else)."""
    read = call_read_current()
    if read is not None and read.heads.keys() == set(facility_ids):
        return dict(read.heads)
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
        # After flush: facility -> its head before the call, if none of its changes is a conflict.
        self.own_above: dict[UUID, int] = {}

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
        conflicted = {p.facility_id for p in self.pending if p.type == "conflict"}
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
        self.own_above = {f: head for f, head in before.items() if f not in conflicted}
        return summaries


def _supersede(facility_id: UUID, head: int) -> None:
    """Mark superseded the facility's changes up to `head` (those before this call) of every
    record this call's changes (above `head`, just written) are about. One statement that
    finds the records itself, instead of sending their ids (500 for a push of 500)."""
    table = connection.ops.quote_name(Change._meta.db_table)
    # The column's own value (SQLite keeps a UUID as 32 hex characters, psycopg binds it).
    facility = Change._meta.get_field("facility_id").get_db_prep_value(facility_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {table} SET "superseded" = true FROM {table} AS later'
            f' WHERE later."facility_id" = %s AND later."seq" > %s'
            f' AND {table}."facility_id" = %s AND {table}."seq" <= %s'
            f' AND {table}."type" = later."type" AND {table}."record_id" = later."record_id"'
            f' AND NOT {table}."superseded"',
            [facility, head, facility, head],
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
    own_above: dict[UUID, int] | None = None,
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
    or holds the streams locked); `own_above`, the push's `ChangeWriter.own_above`: above it
    only this replica's own changes, none to send, no statement. Returns (changes, cursor, more).
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
        if own_above and own_above.get(entry.facility_id, head) <= start and floor[key] <= start:
            positions[key] = head
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
