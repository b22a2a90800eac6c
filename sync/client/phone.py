"""The phone: its accounts, queueing an act offline, and the sync loop that pushes every
author's events in chunks and pulls the current user's changes to the end."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from sync.client.store import Store
from sync.client.transport import SyncFailed, SyncReport, Transport, json_dump
from sync.protocol import MAX_BODY_BYTES, MAX_EVENTS_PER_CALL, PROTOCOL_VERSION, HybridClock

# Leave room under the server's 5 MB for the envelope around the events.
BODY_BUDGET = MAX_BODY_BYTES - 64 * 1024


class SyncClient:
    def __init__(
        self,
        base_url: str,
        *,
        db_path: str = ":memory:",
        device_id: str | None = None,
        transport: httpx.BaseTransport | None = None,
        protocol: int = PROTOCOL_VERSION,
        max_attempts: int = 5,
        backoff_base: float = 0.2,
        backoff_max: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
        gzip_min_bytes: int = 1024,
        chunk_size: int = MAX_EVENTS_PER_CALL,
    ) -> None:
        self.transport = Transport(
            base_url,
            transport=transport,
            timeout=timeout,
            max_attempts=max_attempts,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            sleep=sleep,
            gzip_min_bytes=gzip_min_bytes,
        )
        self.http = self.transport.http
        self.protocol = protocol
        self.chunk_size = min(chunk_size, MAX_EVENTS_PER_CALL)
        self.store = Store(db_path)
        self.db = self.store.db
        self.device_id = device_id or self.store.meta("device_id") or str(uuid.uuid4())
        self.store.meta_set("device_id", self.device_id)
        self.active_user: str | None = self.store.meta("active_user")
        self.clock = HybridClock(self.device_id[:8])
        self.upgrade_required = False

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    @base_url.setter
    def base_url(self, url: str) -> None:
        # A test points a logged-in phone at a dead address to take it offline.
        self.transport.base_url = url.rstrip("/")

    # ---- accounts -------------------------------------------------------------------
    def login(self, username: str, password: str, *, device_name: str = "máy thử") -> str:
        response = self.http.post(
            f"{self.base_url}/api/auth/token",
            json={
                "username": username,
                "password": password,
                "device_id": self.device_id,
                "device_name": device_name,
            },
        )
        body = response.json()
        if response.status_code != 200:
            raise SyncFailed(
                body.get("message", "login failed"),
                status=response.status_code,
                code=body.get("code"),
            )
        return self.add_account(body["user"]["id"], body["token"], username=username)

    def add_account(self, user_id: str, token: str, *, username: str = "") -> str:
        self.store.account_put(user_id, username, token)
        self.use(user_id)
        return user_id

    def use(self, user_id: str) -> None:
        """Make `user_id` the phone's current user: new events are theirs, sync pulls for them."""
        self.active_user = user_id
        self.store.meta_set("active_user", user_id)

    def cursor(self, user_id: str | None = None) -> str | None:
        return self.store.cursor(user_id or self.active_user)

    # ---- outbox and state -----------------------------------------------------------
    def queue(
        self,
        name: str,
        args: dict[str, Any],
        *,
        at: str | None = None,
        event_id: str | None = None,
        user_id: str | None = None,
    ) -> dict[str, Any]:
        """Record an act offline. It is sent by the next sync, with its author's token."""
        author = user_id or self.active_user
        if author is None:
            raise ValueError("log in before queueing events")
        event = {
            "id": event_id or str(uuid.uuid4()),
            "name": name,
            "at": at or datetime.now(UTC).isoformat(timespec="milliseconds"),
            "hlc": self.clock.now().encode(),
            "args": args,
        }
        seq = self.store.outbox_add(author, event)
        return {**event, "device_seq": seq}

    def pending_count(self, user_id: str | None = None) -> int:
        return self.store.pending_count(user_id)

    def pending(self, user_id: str | None = None, limit: int = 10**9) -> list[dict[str, Any]]:
        return self.store.pending(user_id, limit)

    def rejected(self) -> list[dict[str, Any]]:
        return self.store.rejected()

    def records(self, type_: str, *, user_id: str | None = None) -> dict[str, dict[str, Any]]:
        return self.store.records(type_, user_id or self.active_user)

    def record(self, type_: str, id_: str, *, user_id: str | None = None) -> dict[str, Any] | None:
        return self.store.record(type_, id_, user_id or self.active_user)

    # ---- sync -----------------------------------------------------------------------
    def sync(self) -> SyncReport:
        """Push every user's events (in chunks), then pull the current user's changes to the end.

        Raises SyncFailed when the server stays unreachable or refuses the call; what was
        acknowledged before that is kept, the rest stays in the outbox for the next sync.
        """
        report = SyncReport()
        with self.store.lock:
            for user_id in self.store.outbox_authors():
                if user_id != self.active_user:
                    self._sync_user(user_id, report, drain=False)
            if self.active_user is not None:
                self._sync_user(self.active_user, report, drain=True)
        return report

    def _sync_user(self, user_id: str, report: SyncReport, *, drain: bool) -> None:
        account = self.store.account(user_id)
        if account is None:
            raise SyncFailed(f"no token for user {user_id}: log in again", code="invalid_token")
        token, resets = account["token"], 0
        while True:
            events, events_json = self._chunk(user_id)
            if not events and self.upgrade_required:
                return  # too old to pull: nothing left to push
            body = {
                "protocol": self.protocol,
                "device_id": self.device_id,
                "cursor": self.cursor(user_id),
                "events": events,
            }
            status, payload = self.transport.sync_post(body, token, report, events_json=events_json)
            code = payload.get("code")
            if status == 409 and code == "reset_required":
                resets += 1
                if resets > 3:
                    raise SyncFailed("reset loop", status=status, code=code)
                self.store.reset(user_id)
                report.resets += 1
                continue  # the same events again, from a null cursor
            if status == 426:
                self.upgrade_required = report.upgrade_required = True
                progress = self.store.apply(
                    user_id, events, payload.get("results", []), [], None, report
                )
            elif (
                status == 200
                and not (events or payload["results"] or payload["changes"])
                and payload["cursor"] == body["cursor"]
            ):
                progress = 0  # nothing new either way: the store is left as it is
            elif status == 200:
                progress = self.store.apply(
                    user_id,
                    events,
                    payload["results"],
                    payload["changes"],
                    payload["cursor"],
                    report,
                )
            else:
                raise SyncFailed(payload.get("message", f"HTTP {status}"), status=status, code=code)
            if events and not progress:
                raise SyncFailed("the server answered no result for the events sent", status=status)
            if events and self.store.pending_count(user_id):
                continue  # the next chunk; its response carries the next page too
            if status == 200 and payload.get("more") and drain:
                continue
            return

    def _chunk(self, user_id: str) -> tuple[list[dict[str, Any]], bytes]:
        """The oldest queued events of this author that fit one call, and their JSON as the
        body carries it (encoded once: measured, then sent); one event too large for any
        call is rejected here, on the phone, so it cannot block the rest."""
        events = [
            {k: v for k, v in e.items() if k != "user_id"}
            for e in self.store.pending(user_id, self.chunk_size)
        ]
        encoded = json_dump(events)
        while len(events) > 1 and len(encoded) > BODY_BUDGET:
            events = events[: len(events) // 2]
            encoded = json_dump(events)
        if len(events) == 1 and len(encoded) > BODY_BUDGET:
            self.store.outbox_reject(
                events[0],
                user_id,
                {"code": "body_too_large", "message": "Mục quá lớn để gửi (tối đa 5 MB)."},
            )
            return self._chunk(user_id)
        return events, encoded

    def close(self) -> None:
        self.transport.close()
        self.store.close()
