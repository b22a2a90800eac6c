"""One sync call: push (idempotent, in device_seq order) then pull, in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from sync import registry
from sync.changes import ChangeWriter, changes_pull, stream_heads, streams_lock
from sync.models import EventLog
from sync.protocol import (
    CLOCK_SKEW_SECONDS,
    MIN_PROTOCOL,
    Cursor,
    EventIn,
    EventResult,
    payload_hash,
)
from sync.registry import CommitSummary, Decision, HandlerContext, PendingChange, Rejected, Scope

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


def _validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in err["loc"]), "error": err["type"], "message": err["msg"]}
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def _event_hash(event: EventIn, device_id: UUID) -> str:
    return payload_hash(
        name=event.name,
        args=event.args,
        at=event.at.isoformat(),
        device_id=str(device_id),
        device_seq=event.device_seq,
    )


@dataclass
class _Decided:
    result: EventResult
    log_row: EventLog | None


class Pusher:
    """Decides the events of one call against the state the earlier ones left."""

    def __init__(self, *, user: Any, device_id: UUID, writer: ChangeWriter, received_at: datetime) -> None:
        self.user = user
        self.device_id = device_id
        self.writer = writer
        self.received_at = received_at
        self.batch: dict[str, Any] = {}
        self.locked = frozenset(writer.streams)

    def push(self, raw_events: list[dict[str, Any]]) -> list[EventResult]:
        parsed: list[tuple[int, EventIn | None, dict[str, Any], ValidationError | None]] = []
        for index, raw in enumerate(raw_events):
            try:
                parsed.append((index, EventIn.model_validate(raw), raw, None))
            except ValidationError as exc:
                parsed.append((index, None, raw, exc))
        ids = [e.id for _, e, _, _ in parsed if e is not None]
        known = {row.id: row for row in EventLog.objects.filter(id__in=ids)}
        results: list[EventResult | None] = [None] * len(parsed)
        rows: list[EventLog] = []
        # Decided in device_seq order (DESIGN §4); envelope failures keep their place.
        order = sorted(parsed, key=lambda p: (p[1].device_seq if p[1] else -1, p[0]))
        for index, event, raw, error in order:
            if event is None:
                results[index] = self._invalid_envelope(raw, error, rows, known)
                continue
            decided = self._decide(event, known)
            results[index] = decided.result
            if decided.log_row is not None:
                known[event.id] = decided.log_row
                rows.append(decided.log_row)
        EventLog.objects.bulk_create(rows, batch_size=500)
        return [r for r in results if r is not None]

    def _invalid_envelope(
        self, raw: dict[str, Any], error: ValidationError | None, rows: list[EventLog], known: dict
    ) -> EventResult:
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        details = _validation_details(error) if error else None
        result = EventResult(
            id=str(raw_id) if raw_id is not None else None,
            status="rejected",
            code="invalid_event",
            message="Sự kiện thiếu hoặc sai trường bắt buộc.",
            details=details,
        )
        try:
            event_id = UUID(str(raw_id))
        except ValueError:
            return result  # nothing to key it by: it cannot be stored nor deduplicated
        if event_id in known:
            return EventResult(id=str(event_id), status="rejected", code="id_reuse",
                               message="Mã sự kiện đã được dùng cho một nội dung khác.")
        row = EventLog(
            id=event_id,
            device_id=self.device_id,
            device_seq=raw.get("device_seq") if isinstance(raw.get("device_seq"), int) else 0,
            user_id=self.user.pk,
            name=str(raw.get("name", ""))[:60],
            args=raw.get("args") if isinstance(raw.get("args"), dict) else {"raw": raw},
            at=self.received_at,
            hlc=str(raw.get("hlc", ""))[:40],
            received_at=self.received_at,
            status="rejected",
            code="invalid_event",
            message=result.message or "",
            payload_hash="invalid",
            result=result.wire(),
        )
        known[event_id] = row
        rows.append(row)
        return result

    def _decide(self, event: EventIn, known: dict[UUID, EventLog]) -> _Decided:
        digest = _event_hash(event, self.device_id)
        seen = known.get(event.id)
        if seen is not None:
            if seen.payload_hash != digest:
                return _Decided(
                    EventResult(id=str(event.id), status="rejected", code="id_reuse",
                                message="Mã sự kiện đã được dùng cho một nội dung khác."),
                    None,
                )
            original = dict(seen.result)
            original.pop("id", None)
            original["status"] = "duplicate"
            original["original_status"] = seen.status
            return _Decided(EventResult.model_validate({"id": str(event.id), **original}), None)

        flags: list[str] = []
        if event.at - self.received_at > timedelta(seconds=CLOCK_SKEW_SECONDS):
            flags.append("clock_skew")
        ctx = HandlerContext(
            event=event,
            user=self.user,
            device_id=self.device_id,
            received_at=self.received_at,
            locked_facilities=self.locked,
            sink=self.writer,
            batch=self.batch,
            flags=flags,
        )
        result = self._run_handler(ctx)
        row = EventLog(
            id=event.id,
            device_id=self.device_id,
            device_seq=event.device_seq,
            user_id=self.user.pk,
            name=event.name,
            args=event.args,
            at=event.at,
            hlc=event.hlc,
            received_at=self.received_at,
            status=result.status,
            code=result.code or "",
            message=(result.message or "")[:500],
            flags=result.flags or [],
            conflict_id=ctx.conflict_id,
            facility_id=ctx.facility_id,
            payload_hash=digest,
            result=result.wire(),
        )
        return _Decided(result, row)

    def _run_handler(self, ctx: HandlerContext) -> EventResult:
        event = ctx.event
        registration = registry.lookup(event.name)
        if registration is None:
            return EventResult(id=str(event.id), status="rejected", code="unknown_event",
                               message=f"Máy chủ không biết loại sự kiện «{event.name}».",
                               flags=ctx.flags or None)
        try:
            args = registration.args_model.model_validate(event.args)
        except ValidationError as exc:
            return EventResult(id=str(event.id), status="rejected", code="invalid_args",
                               message="Dữ liệu gửi lên không hợp lệ.",
                               details=_validation_details(exc), flags=ctx.flags or None)
        mark = self.writer.mark()
        try:
            # The savepoint is what lets a rejected or failing event leave no trace but its
            # quarantine row, without rolling back the events around it.
            with transaction.atomic():
                decision = registration.handler(ctx, args) or Decision()
        except Rejected as exc:
            self.writer.rollback_to(mark)
            ctx.conflict_id = None
            return EventResult(id=str(event.id), status="rejected", code=exc.code,
                               message=exc.message, details=exc.details, flags=ctx.flags or None)
        except Exception:
            self.writer.rollback_to(mark)
            ctx.conflict_id = None
            log.exception("handler failed", extra={"event_id": str(event.id), "event_name": event.name})
            return EventResult(id=str(event.id), status="rejected", code="internal_error",
                               message="Lỗi máy chủ khi xử lý; bản ghi được giữ lại để quản trị xem xét.",
                               flags=ctx.flags or None)
        for name in decision.flags:
            ctx.flag(name)
        return EventResult(
            id=str(event.id),
            status=decision.status,  # type: ignore[arg-type]
            code=decision.code or None,
            message=decision.message or None,
            conflict_id=str(ctx.conflict_id) if ctx.conflict_id else None,
            flags=ctx.flags or None,
        )


def _cursor_for(scope: Scope, token: str | None) -> Cursor | None:
    if token is None:
        return None
    try:
        cursor = Cursor.decode(token)
    except Exception as exc:
        raise SyncError(400, "bad_cursor", "Con trỏ đồng bộ không hợp lệ; hãy đồng bộ lại từ đầu.") from exc
    if cursor.scope != scope.fingerprint():
        raise SyncError(409, "reset_required", "Phạm vi dữ liệu của bạn đã thay đổi; máy sẽ tải lại từ đầu.")
    return cursor


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
    facility_ids = scope.facility_ids()
    results: list[EventResult] = []
    summaries: dict[UUID, CommitSummary] = {}
    with transaction.atomic():
        if cursor is None:
            # Read before the push: this device's own writes from now on are never echoed,
            # but what it wrote in an earlier life (before a reset) is sent again.
            cursor = Cursor(
                scope=scope.fingerprint(),
                floor={str(f): seq for f, seq in stream_heads(facility_ids).items()},
            )
        if events:
            streams = streams_lock(facility_ids)
            writer = ChangeWriter(origin_device=device_id, streams=streams)
            pusher = Pusher(user=user, device_id=device_id, writer=writer, received_at=received_at)
            results = pusher.push(events)
            summaries = writer.flush()
            if summaries:
                hooks = registry.after_commit_hooks()
                transaction.on_commit(lambda: [hook(summaries) for hook in hooks])
        wire_results = [r.wire() for r in results]
        if protocol < MIN_PROTOCOL:
            return SyncOutcome(
                426,
                {"code": "upgrade_required", "min": MIN_PROTOCOL,
                 "message": "Ứng dụng quá cũ: các mục đã gửi được nhận, hãy cập nhật để tải dữ liệu mới.",
                 "results": wire_results},
                summaries,
            )
        changes, next_cursor, more = changes_pull(
            scope=scope, cursor=cursor, device_id=device_id, limit=page_size
        )
    return SyncOutcome(
        200,
        {
            "results": wire_results,
            "changes": changes,
            "cursor": next_cursor.encode(),
            "more": more,
            "server_time": received_at.isoformat(),
        },
        summaries,
    )


def changes_record(changes: list[PendingChange], *, origin_device: UUID | None = None) -> dict[UUID, CommitSummary]:
    """Append server-originated changes (admin edits, the task horizon, the sweep, seeding).

    Same guarantees as a sync push: the facilities' streams are locked in id order for the
    transaction, seqs are dense, pokes go out after commit. Call it inside the transaction
    that wrote the rows, so the rows and their changes commit together.
    """
    if not changes:
        return {}
    with transaction.atomic():
        streams = streams_lock([c.facility_id for c in changes])
        writer = ChangeWriter(origin_device=origin_device, streams=streams)
        for change in changes:
            writer.emit(change)
        summaries = writer.flush()
        hooks = registry.after_commit_hooks()
        transaction.on_commit(lambda: [hook(summaries) for hook in hooks])
    return summaries
