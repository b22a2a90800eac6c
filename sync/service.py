"""One sync call: push (idempotent, in device_seq order) then pull, in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sync import registry
from sync.changes import ChangeWriter, changes_pull, epoch_current, stream_heads, streams_lock
from sync.models import Change, Stream
from sync.protocol import MIN_PROTOCOL, Cursor, EventResult
from sync.push import NeedsSafeMode, Pusher
from sync.registry import CommitSummary, PendingChange, Scope

log = logging.getLogger("catruc.sync")


class SyncError(Exception):
    """A whole-call refusal: answered with an HTTP status and a machine-readable code."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


@dataclass
class SyncOutcome:
    status: int
    body: dict[str, Any]
    summaries: dict[UUID, CommitSummary] = field(default_factory=dict)


def _cursor_for(scope: Scope, token: str | None) -> Cursor | None:
    """The cursor to pull from, carrying this database's epoch; None for a null cursor."""
    if token is None:
        return None
    try:
        cursor = Cursor.decode(token, [str(f) for f in scope.facility_ids()])
    except Exception as exc:
        raise SyncError(
            400, "bad_cursor", _("Con trỏ đồng bộ không hợp lệ; hãy đồng bộ lại từ đầu.")
        ) from exc
    if cursor.scope != scope.fingerprint():
        raise SyncError(
            409, "reset_required", _("Phạm vi dữ liệu của bạn đã thay đổi; máy sẽ tải lại từ đầu.")
        )
    epoch = epoch_current()
    # A cursor without an epoch (issued before there was one) counts positions of this very
    # change log unless the database has since been restored from a dump (docs/protocol.md §5).
    if cursor.epoch != epoch.value and (cursor.epoch or epoch.restored_at is not None):
        raise SyncError(
            409,
            "reset_required",
            _("Dữ liệu máy chủ đã được khôi phục từ bản sao lưu; máy sẽ tải lại từ đầu."),
        )
    return cursor.model_copy(update={"epoch": epoch.value})


def sync_call(
    *,
    user: Any,
    device_id: UUID,
    protocol: int,
    cursor_token: str | None,
    events: list[dict[str, Any]],
    page_size: int,
) -> SyncOutcome:
    """Push `events`, then pull one page of changes after the cursor.

    The cursor is checked before anything is applied, so a 409 applies nothing and the
    client simply retries the same events from a null cursor.
    """
    scope = registry.scope_for(user)
    cursor = _cursor_for(scope, cursor_token)
    received_at = timezone.now()
    for safe in (False, True):
        try:
            return _attempt(
                user=user,
                device_id=device_id,
                protocol=protocol,
                scope=scope,
                cursor=cursor,
                events=events,
                page_size=page_size,
                received_at=received_at,
                safe=safe,
            )
        except NeedsSafeMode:
            # The fast attempt rolled back entirely (its on_commit pokes with it).
            log.info("sync call retried in safe mode", exc_info=True)
    raise AssertionError("unreachable: safe mode never raises NeedsSafeMode")


def _attempt(
    *,
    user: Any,
    device_id: UUID,
    protocol: int,
    scope: Scope,
    cursor: Cursor | None,
    events: list[dict[str, Any]],
    page_size: int,
    received_at: datetime,
    safe: bool,
) -> SyncOutcome:
    facility_ids = scope.facility_ids()
    results: list[EventResult] = []
    summaries: dict[UUID, CommitSummary] = {}
    heads: dict[UUID, int] | None = None
    own_above: dict[UUID, int] | None = None
    # Nothing to push: a pull alone needs no transaction (it reads committed heads first,
    # and every change at or below a head is committed), which saves BEGIN and COMMIT.
    with transaction.atomic() if events else nullcontext():
        if cursor is None:
            # Read before the push: this device's own writes from now on are never echoed,
            # but what it wrote in an earlier life (before a reset) is sent again.
            heads = stream_heads(facility_ids)
            cursor = Cursor(
                scope=scope.fingerprint(),
                epoch=epoch_current().value,
                floor={str(f): seq for f, seq in heads.items()},
            )
        if events:
            # Locked before any event is decided, held to commit: pushes to one facility are
            # serialised (no decision against stale state) and seqs commit in order.
            streams = streams_lock(facility_ids)
            writer = ChangeWriter(origin_device=device_id, origin_user=user.pk, streams=streams)
            pusher = Pusher(
                user=user, device_id=device_id, writer=writer, received_at=received_at, safe=safe
            )
            results = pusher.push(events)
            summaries = writer.flush()
            # Locked until commit: their counters are the heads, no need to read them again.
            heads = {f: stream.last_seq for f, stream in streams.items()}
            own_above = writer.own_above
            if summaries:
                hooks = registry.after_commit_hooks()
                transaction.on_commit(lambda: [hook(summaries) for hook in hooks])
        wire_results = [r.wire() for r in results]
        if protocol < MIN_PROTOCOL:
            return SyncOutcome(
                426,
                {
                    "code": "upgrade_required",
                    "min": MIN_PROTOCOL,
                    "message": _(
                        "Ứng dụng quá cũ: các mục đã gửi được nhận, hãy cập nhật để tải dữ liệu mới."
                    ),
                    "results": wire_results,
                },
                summaries,
            )
        changes, next_cursor, more = changes_pull(
            scope=scope,
            cursor=cursor,
            device_id=device_id,
            user_id=user.pk,
            limit=page_size,
            heads=heads,
            own_above=own_above,
        )
    return SyncOutcome(
        200,
        {
            "results": wire_results,
            "changes": changes,
            "cursor": next_cursor.encode([str(f) for f in facility_ids]),
            "more": more,
            # Seconds are enough to estimate a phone's clock offset; microseconds cost bytes.
            "server_time": received_at.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        },
        summaries,
    )


@contextmanager
def server_write(*facility_ids: UUID) -> Iterator[None]:
    """One transaction for a write made on the server (a job, the admin) to synced rows of
    these facilities, holding their change streams from the start. A sync push takes the
    stream before any row, so a writer that does the same can never deadlock with it; and a
    second writer of the same facility (another worker's run of the same job) waits here, so
    what it reads next is exact. Publish the rows (`changes_record`) inside the block."""
    with transaction.atomic():
        streams_lock(list(facility_ids))
        yield


def changes_record(
    changes: list[PendingChange],
    *,
    origin_device: UUID | None = None,
    origin_user: UUID | None = None,
) -> dict[UUID, CommitSummary]:
    """Append server-originated changes (admin edits, the task horizon, the sweep, seeding).

    Same guarantees as a sync push: the facilities' streams are locked in id order for the
    transaction, seqs are dense, pokes go out after commit. Call it inside the transaction
    that wrote the rows, so the rows and their changes commit together.
    """
    if not changes:
        return {}
    with transaction.atomic():
        streams = streams_lock([c.facility_id for c in changes])
        writer = ChangeWriter(origin_device=origin_device, origin_user=origin_user, streams=streams)
        for change in changes:
            writer.emit(change)
        summaries = writer.flush()
        hooks = registry.after_commit_hooks()
        transaction.on_commit(lambda: [hook(summaries) for hook in hooks])
    return summaries


def published_data(facility_id: UUID, type_name: str, record_id: UUID) -> dict[str, Any] | None:
    """What phones last received of one record: the data of its latest change, or None when
    it has none or the latest deletes it (for a server job that publishes only what moved)."""
    latest = (
        Change.objects.filter(facility_id=facility_id, type=type_name, record_id=record_id)
        .order_by("-seq")
        .values_list("op", "data")
        .first()
    )
    if latest is None or latest[0] != "upsert":
        return None
    return latest[1]


def log_exists(tables: list[str]) -> bool:
    """Whether the change log's tables are among `tables` (a migrate back may drop them)."""
    return Change._meta.db_table in tables and Stream._meta.db_table in tables
