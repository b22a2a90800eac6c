"""Deciding the events of one call, in device_seq order, against the state the earlier
ones left. Every event gets a result and an EventLog row, whatever its outcome.

Two modes, one outcome:
- fast (the normal case): handlers run without a savepoint each. A savepoint costs two
  round trips; 500 events would spend more on them than on their work. This is safe
  because a handler refuses by raising `Rejected` *before* writing (registry contract),
  and the engine checks that it did: a statement that writes, seen before a `Rejected`,
  or any other exception, abandons the attempt (`NeedsSafeMode`) and the caller rolls the
  whole call back and runs it again in safe mode;
- safe: each handler in its own savepoint, so a failing event leaves only its quarantine
  row and never rolls back its neighbours.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ValidationError

from sync import registry
from sync.changes import ChangeWriter
from sync.deferred import DeferredWrites
from sync.edge import (
    Problem,
    event_hash,
    event_problem,
    invalid_envelope,
    logged,
    repeat,
    same_payload,
    uuid_of,
    validation_details,
)
from sync.models import EventLog
from sync.protocol import (
    CLOCK_SKEW_SECONDS,
    MAX_ROWS_PER_CALL,
    EventIn,
    EventResult,
    Stamp,
    args_canonical,
    stamp_receive,
)
from sync.registry import PRELOADED, Decision, HandlerContext, PreloadContext, Rejected
from sync.rows import LOG_COLUMNS, JSONText, LogRow, rows_insert

__all__ = ["NeedsSafeMode", "Pusher"]

log = logging.getLogger("catruc.sync")

WRITES = ("INSERT", "UPDATE", "DELETE")


class NeedsSafeMode(Exception):  # noqa: N818 - control flow, caught by sync_call
    """The fast attempt cannot vouch for the transaction: redo the call with savepoints."""


class WriteCounter:
    """Fast mode's guard, its execute wrapper: counts writing statements (what tells the
    engine a handler wrote before it refused), and writes the deferred rows
    (`ctx.save_later`) before any other statement runs, so that none sees them stale."""

    def __init__(self, deferred: DeferredWrites) -> None:
        self.statements = 0
        self.deferred = deferred

    @property
    def writes(self) -> int:
        # A deferral is a write: a handler that deferred, then refused, left something.
        return self.statements + self.deferred.added

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if self.deferred.flushing:
            return execute(sql, params, many, context)
        if self.deferred.pending:
            self.deferred.flush()
        if sql.lstrip()[:6].upper() in WRITES:
            self.statements += 1
        return execute(sql, params, many, context)


CALL_FULL = gettext_lazy("Lần gửi này đã đủ việc; mục này được giữ trên máy và gửi lại ở lần sau.")


class Pusher:
    def __init__(
        self, *, user: Any, device_id: UUID, writer: ChangeWriter, received_at: datetime, safe: bool
    ) -> None:
        self.user = user
        self.device_id = device_id
        self.device_text = str(device_id)
        self.writer = writer
        self.received_at = received_at
        self.received_ms = int(received_at.timestamp() * 1000)
        self.safe = safe
        self.batch: dict[str, Any] = {}
        self.locked = frozenset(writer.streams)
        # Safe mode saves at once: each handler's savepoint must hold its own writes.
        self.deferred = None if safe else DeferredWrites()
        self.counter = WriteCounter(DeferredWrites() if self.deferred is None else self.deferred)
        self.args: dict[UUID, BaseModel | ValidationError] = {}
        # Rows the call's events touched so far: past MAX_ROWS_PER_CALL the rest wait.
        self.rows = 0

    def push(self, raw_events: list[Any]) -> list[EventResult]:
        parsed: list[tuple[int, EventIn | None, Any, ValidationError | Problem | None]] = []
        for index, raw in enumerate(raw_events):
            problem = event_problem(raw)
            if problem is not None:
                parsed.append((index, None, raw, problem))
                continue
            try:
                parsed.append((index, EventIn.model_validate(raw), raw, None))
            except ValidationError as exc:
                parsed.append((index, None, raw, exc))
        # Invalid events are logged by their id too: a resend must find that row.
        ids = [e.id if e is not None else uuid_of(raw) for _, e, raw, _ in parsed]
        # EventLog rows, stored or of this call: a repeat is answered from either.
        known: dict[UUID, Any] = logged([i for i in ids if i])
        results: list[EventResult | None] = [None] * len(parsed)
        rows: list[LogRow] = []
        with self._watch():
            self._preload([e for _, e, _, _ in parsed if e is not None and e.id not in known])
            # Decided in device_seq order (docs/protocol.md §3); envelope failures keep their place.
            order = sorted(parsed, key=lambda p: (p[1].device_seq if p[1] else -1, p[0]))
            for index, event, raw, error in order:
                if event is None:
                    result, row = invalid_envelope(
                        raw,
                        error,
                        device_id=self.device_id,
                        user_id=self.user.pk,
                        received_at=self.received_at,
                        known=known,
                    )
                    results[index] = result
                    if row is not None:
                        known[row.id] = row
                        rows.append(row)
                    continue
                if self.rows >= MAX_ROWS_PER_CALL and event.id not in known:
                    # Not decided, not logged: the phone keeps it and sends it next call, so
                    # one call never holds the facility's lock for long (docs/protocol.md §4).
                    results[index] = EventResult(
                        id=str(event.id),
                        status="rejected",
                        code="call_full",
                        message=str(CALL_FULL),
                    )
                    continue
                result, row = self._decide(event, known)
                results[index] = result
                if row is not None:
                    known[event.id] = row
                    rows.append(row)
            if self.deferred is not None:
                try:
                    self.deferred.flush()
                except Exception as exc:
                    # A deferred row the database refused (a key taken meanwhile): the
                    # call is redone with immediate writes, where the event owning it fails.
                    raise NeedsSafeMode("deferred rows refused") from exc
        rows_insert(EventLog, LOG_COLUMNS, [row.values() for row in rows])
        return [r for r in results if r is not None]

    @contextmanager
    def _watch(self) -> Iterator[None]:
        with nullcontext() if self.safe else connection.execute_wrapper(self.counter):
            yield

    def _preload(self, events: list[EventIn]) -> None:
        by_name: dict[str, list[EventIn]] = defaultdict(list)
        for event in events:
            by_name[event.name].append(event)
        for name, group in by_name.items():
            registration = registry.lookup(name)
            if registration is None:
                continue
            valid = []
            for event in group:
                try:
                    args = registration.args_model.model_validate(event.args)
                except ValidationError as exc:
                    self.args[event.id] = exc
                    continue
                self.args[event.id] = args
                valid.append(args)
            preload = registry.preloader_for(name)
            if preload is None or not valid:
                continue
            ctx = PreloadContext(
                user=self.user,
                device_id=self.device_id,
                locked_facilities=self.locked,
                batch=self.batch,
            )
            try:
                with transaction.atomic() if self.safe else nullcontext():
                    preload(ctx, valid)
            except Exception as exc:
                if not self.safe:
                    raise NeedsSafeMode from exc
                # Only an optimisation: handlers fall back to their own queries.
                log.exception("preloader failed", extra={"event_name": name})
                self.batch.pop(PRELOADED, None)

    def _decide(self, event: EventIn, known: dict[UUID, Any]) -> tuple[EventResult, LogRow | None]:
        # Serialized once: hashed, and written as is to the event log.
        args_json = args_canonical(event.args)
        digest = event_hash(event, self.device_text, args_json)
        seen = known.get(event.id)
        if seen is not None:
            same = same_payload(seen.payload_hash, digest, event, self.device_text)
            return repeat(event.id, seen, same=same), None
        flags: list[str] = []
        if event.at - self.received_at > timedelta(seconds=CLOCK_SKEW_SECONDS):
            flags.append("clock_skew")
        if self._hlc_receive(event) and "clock_skew" not in flags:
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
            deferred=self.deferred,
        )
        result = self._run_handler(ctx)
        self.rows += max(1, ctx.rows)
        row = LogRow(
            id=event.id,
            device_id=self.device_id,
            device_seq=event.device_seq,
            user_id=self.user.pk,
            name=event.name,
            args=JSONText(args_json.decode()),
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
        return result, row

    def _hlc_receive(self, event: EventIn) -> bool:
        """Keep the event's HLC no further ahead than the server's clock (plus the allowed
        skew), so a forged or wrong stamp never wins a merge; True when it was clamped.

        A phone that sent no (or a malformed) stamp is ordered by its `at`: when that is
        ahead too, the event gets a stamp at the receipt time instead."""
        wall_ms = self.received_ms
        drift_ms = CLOCK_SKEW_SECONDS * 1000
        event.hlc, clamped = stamp_receive(event.hlc, wall_ms=wall_ms, max_drift_ms=drift_ms)
        if not event.hlc and event.at.timestamp() * 1000 - wall_ms > drift_ms:
            event.hlc = Stamp(wall_ms, 0, str(self.device_id)[:8]).encode()
            return True
        return clamped

    def _rejected(
        self, ctx: HandlerContext, code: str, message: str, details: Any = None
    ) -> EventResult:
        return EventResult(
            id=str(ctx.event.id),
            status="rejected",
            code=code,
            message=message,
            details=details,
            flags=ctx.flags or None,
        )

    def _run_handler(self, ctx: HandlerContext) -> EventResult:
        event = ctx.event
        registration = registry.lookup(event.name)
        if registration is None:
            return self._rejected(
                ctx,
                "unknown_event",
                _("Máy chủ không biết loại sự kiện «%(name)s».") % {"name": event.name},
            )
        args = self.args.get(event.id)
        if args is None:
            try:
                args = registration.args_model.model_validate(event.args)
            except ValidationError as exc:
                args = exc
        if isinstance(args, ValidationError):
            return self._rejected(
                ctx, "invalid_args", _("Dữ liệu gửi lên không hợp lệ."), validation_details(args)
            )
        mark = self.writer.mark()
        writes_before = self.counter.writes
        statements_before = self.counter.statements
        try:
            # Safe mode: the savepoint lets a failing event leave no trace but its quarantine
            # row, without rolling back the events around it. Fast mode: see the module doc.
            with transaction.atomic() if self.safe else nullcontext():
                decision = registration.handler(ctx, args) or Decision()
        except Rejected as exc:
            if not self.safe and self.counter.writes != writes_before:
                raise NeedsSafeMode(f"{event.name} wrote before it was rejected") from exc
            self._forget(mark, ctx)
            return self._rejected(ctx, exc.code, exc.message, exc.details)
        except Exception as exc:
            if not self.safe:
                raise NeedsSafeMode(f"{event.name} failed") from exc
            self._forget(mark, ctx)
            log.exception(
                "handler failed", extra={"event_id": str(event.id), "event_name": event.name}
            )
            return self._rejected(
                ctx,
                "internal_error",
                _("Lỗi máy chủ khi xử lý; bản ghi được giữ lại để quản trị xem xét."),
            )
        if registry.preloader_for(event.name) is None and (
            self.safe or self.counter.statements != statements_before
        ):
            # A handler that keeps no preloaded instances may have written rows they hold
            # (record.void of a task completed earlier in the call): later events load afresh.
            self.batch.pop(PRELOADED, None)
        for name in decision.flags:
            ctx.flag(name)
        return EventResult(
            id=str(event.id),
            status=decision.status,  # type: ignore[arg-type]
            code=decision.code or None,
            message=str(decision.message) or None,
            conflict_id=str(ctx.conflict_id) if ctx.conflict_id else None,
            flags=ctx.flags or None,
        )

    def _forget(self, mark: int, ctx: HandlerContext) -> None:
        self.writer.rollback_to(mark)
        ctx.conflict_id = None
        # A refused handler may have changed a preloaded instance in memory before raising:
        # later events must not see that, so they load afresh.
        self.batch.pop(PRELOADED, None)
