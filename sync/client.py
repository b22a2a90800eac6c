"""A reference sync client: a SQLite outbox and state, speaking docs/protocol.md over httpx.

Imports no Django (a test proves it): the tests, `bench/` and a phone simulator use it.

    client = SyncClient("http://127.0.0.1:8000", db_path="phone.sqlite3")
    client.login("carer", "…")
    client.queue("task.complete", {"task_id": "…", "outcome": "done"})   # offline is fine
    report = client.sync()            # push in chunks, then pull every page
    client.records("task")            # what this phone knows

What it guarantees (see docs/protocol.md §2 and §3):
- an event leaves the outbox only when the server returned a result for it (any status);
  `rejected` ones move to the `rejected` table with their code and message, for the UI;
- a retry sends the same ids: the server answers `duplicate` with the original result;
- its own acknowledged events are applied locally by small projections, because the server
  does not echo them back (no echo);
- 409 reset_required: cursor and state are dropped, the outbox is kept, the same events are
  sent again from a null cursor; 426 upgrade_required: pushing goes on, pulling stops;
- 429 rate_limited: it waits the `Retry-After` seconds and sends the same events again;
  a `call_full` result leaves its event queued for the next call.
Several users may share one phone: each event remembers who queued it and is sent with that
user's token; the pulled state and the cursor are kept per user.
"""

from __future__ import annotations

import gzip
import json
import random
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from sync.hlc import HybridClock
from sync.protocol import MAX_BODY_BYTES, MAX_EVENTS_PER_CALL, PROTOCOL_VERSION

SCHEMA = """
create table if not exists meta (key text primary key, value text not null);
create table if not exists accounts (user_id text primary key, username text, token text not null,
                                     cursor text);
create table if not exists outbox (id text primary key, device_seq integer not null unique,
    user_id text not null, name text not null, at text not null, hlc text not null, args text not null);
create table if not exists rejected (id text primary key, device_seq integer, user_id text, name text,
    at text, args text, code text, message text, details text);
create table if not exists records (user_id text not null, type text not null, id text not null,
    version integer, data text not null, primary key (user_id, type, id));
"""
# Leave room under the server's 5 MB for the envelope around the events.
BODY_BUDGET = MAX_BODY_BYTES - 64 * 1024
RETRY_STATUSES = {429, 500, 502, 503, 504}
# A result that is not a decision: the call had done enough work (docs/protocol.md §4).
CALL_FULL = "call_full"


def _retry_after(response: httpx.Response, default: float) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return default


class SyncFailed(Exception):
    """The server could not be reached, or refused the whole call. The outbox is kept."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass
class SyncReport:
    requests: int = 0
    pushed: int = 0
    acknowledged: int = 0
    rejected: int = 0
    pulled: int = 0
    resets: int = 0
    upgrade_required: bool = False
    bytes_sent: int = 0
    bytes_received: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)


Projection = Callable[["SyncClient", str, dict[str, Any]], None]


def _task_complete(client: SyncClient, user_id: str, event: dict[str, Any]) -> None:
    args = event["args"]
    record = client.record("task", str(args.get("task_id")), user_id=user_id)
    if record is None:
        return  # never pulled: the server sends it whole (an own change over unseen ones)
    record["data"].update(
        status=args.get("outcome"),
        done_by=user_id,
        done_at=event["at"],
        reason=args.get("reason", ""),
    )
    if "details" in args:
        record["data"]["details"] = args["details"]
    client._put(user_id, "task", record["id"], record["version"], record["data"])


def _note_add(client: SyncClient, user_id: str, event: dict[str, Any]) -> None:
    args = event["args"]
    facility_id, area_id = args.get("facility_id"), args.get("area_id")
    resident = (
        client.record("resident", str(args["resident_id"]), user_id=user_id)
        if args.get("resident_id")
        else None
    )
    if resident is not None:
        facility_id, area_id = resident["data"].get("facility_id"), resident["data"].get("area_id")
    data = {
        "facility_id": facility_id,
        "area_id": area_id,
        "resident_id": args.get("resident_id"),
        "kind": args.get("kind"),
        "text": args.get("text"),
        "by": user_id,
        "at": event["at"],
        "void": False,
    }
    client._put(user_id, "note", str(args["note_id"]), 1, data)


# Own acknowledged events, applied locally (the server does not echo them). Other names are
# shown from the server's state once a later change of the record arrives.
PROJECTIONS: dict[str, Projection] = {"task.complete": _task_complete, "note.add": _note_add}


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
        self.base_url = base_url.rstrip("/")
        self.protocol = protocol
        self.max_attempts = max_attempts
        self.backoff_base, self.backoff_max, self.sleep = backoff_base, backoff_max, sleep
        self.gzip_min_bytes = gzip_min_bytes
        self.chunk_size = min(chunk_size, MAX_EVENTS_PER_CALL)
        self.http = httpx.Client(transport=transport, timeout=timeout)
        # httpx's default Accept, Connection and User-Agent add ~70 B to every call; HTTP/1.1
        # keeps the connection alive without them, and the server ignores the rest.
        for name in ("Accept", "Connection", "User-Agent"):
            self.http.headers.pop(name, None)
        self.http.headers["Accept-Encoding"] = "gzip"
        self.db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)
        self._lock = threading.RLock()
        self.device_id = device_id or self._meta("device_id") or str(uuid.uuid4())
        self._set_meta("device_id", self.device_id)
        self.active_user: str | None = self._meta("active_user")
        self.clock = HybridClock(self.device_id[:8])
        self.upgrade_required = False

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
        with self._lock:
            self.db.execute(
                "insert into accounts (user_id, username, token) values (?, ?, ?) on conflict"
                " (user_id) do update set token = excluded.token",
                (user_id, username, token),
            )
        self.use(user_id)
        return user_id

    def use(self, user_id: str) -> None:
        """Make `user_id` the phone's current user: new events are theirs, sync pulls for them."""
        self.active_user = user_id
        self._set_meta("active_user", user_id)

    def cursor(self, user_id: str | None = None) -> str | None:
        row = self.db.execute(
            "select cursor from accounts where user_id = ?", (user_id or self.active_user,)
        ).fetchone()
        return row["cursor"] if row else None

    # ---- outbox ---------------------------------------------------------------------
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
        with self._lock:
            self.db.execute("begin immediate")
            try:
                seq = int(self._meta("device_seq") or 0) + 1
                self._set_meta("device_seq", str(seq))
                self.db.execute(
                    "insert into outbox values (?, ?, ?, ?, ?, ?, ?)",
                    (event["id"], seq, author, name, event["at"], event["hlc"], json.dumps(args)),
                )
                self.db.execute("commit")
            except BaseException:
                self.db.execute("rollback")
                raise
        return {**event, "device_seq": seq}

    def pending_count(self, user_id: str | None = None) -> int:
        if user_id is None:
            return self.db.execute("select count(*) from outbox").fetchone()[0]
        return self.db.execute(
            "select count(*) from outbox where user_id = ?", (user_id,)
        ).fetchone()[0]

    def pending(self, user_id: str | None = None, limit: int = 10**9) -> list[dict[str, Any]]:
        where, params = ("where user_id = ?", (user_id,)) if user_id else ("", ())
        rows = self.db.execute(
            f"select * from outbox {where} order by device_seq limit ?", (*params, limit)
        )
        return [
            {
                "id": r["id"],
                "device_seq": r["device_seq"],
                "name": r["name"],
                "at": r["at"],
                "hlc": r["hlc"],
                "args": json.loads(r["args"]),
                "user_id": r["user_id"],
            }
            for r in rows
        ]

    def rejected(self) -> list[dict[str, Any]]:
        rows = self.db.execute("select * from rejected order by device_seq")
        return [
            {**dict(r), "args": json.loads(r["args"]), "details": json.loads(r["details"])}
            for r in rows
        ]

    # ---- state ----------------------------------------------------------------------
    def records(self, type_: str, *, user_id: str | None = None) -> dict[str, dict[str, Any]]:
        rows = self.db.execute(
            "select id, data from records where user_id = ? and type = ?",
            (user_id or self.active_user, type_),
        )
        return {r["id"]: json.loads(r["data"]) for r in rows}

    def record(self, type_: str, id_: str, *, user_id: str | None = None) -> dict[str, Any] | None:
        row = self.db.execute(
            "select id, version, data from records where user_id = ? and type = ? and id = ?",
            (user_id or self.active_user, type_, id_),
        ).fetchone()
        return (
            {"id": row["id"], "version": row["version"], "data": json.loads(row["data"])}
            if row
            else None
        )

    def _put(
        self, user_id: str, type_: str, id_: str, version: int | None, data: dict[str, Any]
    ) -> None:
        self.db.execute(
            "insert into records values (?, ?, ?, ?, ?) on conflict (user_id, type, id) do update"
            " set version = excluded.version, data = excluded.data",
            (user_id, type_, id_, version, json.dumps(data)),
        )

    # ---- sync -----------------------------------------------------------------------
    def sync(self) -> SyncReport:
        """Push every user's events (in chunks), then pull the current user's changes to the end.

        Raises SyncFailed when the server stays unreachable or refuses the call; what was
        acknowledged before that is kept, the rest stays in the outbox for the next sync.
        """
        report = SyncReport()
        with self._lock:
            authors = [
                r[0]
                for r in self.db.execute(
                    "select user_id from outbox group by user_id order by min(device_seq)"
                )
            ]
            for user_id in authors:
                if user_id != self.active_user:
                    self._sync_user(user_id, report, drain=False)
            if self.active_user is not None:
                self._sync_user(self.active_user, report, drain=True)
        return report

    def _sync_user(self, user_id: str, report: SyncReport, *, drain: bool) -> None:
        account = self.db.execute(
            "select token, cursor from accounts where user_id = ?", (user_id,)
        ).fetchone()
        if account is None:
            raise SyncFailed(f"no token for user {user_id}: log in again", code="invalid_token")
        token, resets = account["token"], 0
        while True:
            events = self._chunk(user_id)
            if not events and self.upgrade_required:
                return  # too old to pull: nothing left to push
            body = {
                "protocol": self.protocol,
                "device_id": self.device_id,
                "cursor": self.cursor(user_id),
                "events": events,
            }
            status, payload = self._post(body, token, report)
            code = payload.get("code")
            if status == 409 and code == "reset_required":
                resets += 1
                if resets > 3:
                    raise SyncFailed("reset loop", status=status, code=code)
                self._reset(user_id)
                report.resets += 1
                continue  # the same events again, from a null cursor
            if status == 426:
                self.upgrade_required = report.upgrade_required = True
                progress = self._apply(
                    user_id, events, payload.get("results", []), [], None, report
                )
            elif status == 200:
                progress = self._apply(
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
            if events and self.pending_count(user_id):
                continue  # the next chunk; its response carries the next page too
            if status == 200 and payload.get("more") and drain:
                continue
            return

    def _chunk(self, user_id: str) -> list[dict[str, Any]]:
        events = [
            {k: v for k, v in e.items() if k != "user_id"}
            for e in self.pending(user_id, self.chunk_size)
        ]
        while len(events) > 1 and len(json.dumps(events).encode()) > BODY_BUDGET:
            events = events[: len(events) // 2]
        if len(events) == 1 and len(json.dumps(events).encode()) > BODY_BUDGET:
            self._reject_locally(events[0], user_id)
            return self._chunk(user_id)
        return events

    def _reject_locally(self, event: dict[str, Any], user_id: str) -> None:
        self._move_to_rejected(
            event,
            user_id,
            {"code": "body_too_large", "message": "Mục quá lớn để gửi (tối đa 5 MB)."},
        )
        self.db.execute("delete from outbox where id = ?", (event["id"],))

    def _post(
        self, body: dict[str, Any], token: str, report: SyncReport
    ) -> tuple[int, dict[str, Any]]:
        data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept-Encoding": "gzip",
        }
        if len(data) >= self.gzip_min_bytes:
            data = gzip.compress(data, compresslevel=6)
            headers["Content-Encoding"] = "gzip"
        error: str = ""
        for attempt in range(self.max_attempts):
            if attempt:
                # Exponential backoff with jitter: a ward of phones coming back online at once
                # must not hammer the server in lockstep.
                delay = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
                self.sleep(delay * (0.5 + random.random() / 2))
            report.requests += 1
            report.bytes_sent += len(data)
            try:
                response = self.http.post(
                    f"{self.base_url}/api/sync/v1", content=data, headers=headers
                )
            except httpx.TransportError as exc:
                error = f"{type(exc).__name__}: {exc}"
                continue
            report.bytes_received += response.num_bytes_downloaded
            if response.status_code == 429:
                # Rate limited: wait as long as the server says, then send the same events.
                error = "HTTP 429 rate_limited"
                if attempt + 1 < self.max_attempts:
                    self.sleep(_retry_after(response, self.backoff_max))
                continue
            if response.status_code in RETRY_STATUSES:
                error = f"HTTP {response.status_code}"
                continue
            try:
                return response.status_code, response.json()
            except ValueError:
                error = f"HTTP {response.status_code}: not JSON"
                continue
        limited = error.endswith("rate_limited")
        raise SyncFailed(
            f"server unreachable after {self.max_attempts} attempts ({error})",
            status=429 if limited else None,
            code="rate_limited" if limited else None,
        )

    def _apply(
        self,
        user_id: str,
        sent: list[dict[str, Any]],
        results: list[dict[str, Any]],
        changes: list[dict[str, Any]],
        cursor: str | None,
        report: SyncReport,
    ) -> int:
        """Results first (projections of own events), then the server's changes, which are
        newer than any of them, then the cursor: one SQLite transaction."""
        by_id = {e["id"]: e for e in sent}
        progress = 0
        self.db.execute("begin immediate")
        try:
            for result in results:
                if result.get("code") == CALL_FULL:
                    continue  # not decided: it stays queued and goes in the next call
                event = by_id.pop(str(result.get("id")), None)
                if event is None:
                    continue
                progress += 1
                report.results.append(result)
                outcome = (
                    result.get("original_status")
                    if result["status"] == "duplicate"
                    else result["status"]
                )
                if outcome == "rejected":
                    self._move_to_rejected(event, user_id, result)
                    report.rejected += 1
                else:
                    report.acknowledged += 1
                    projection = PROJECTIONS.get(event["name"])
                    if outcome == "applied" and projection is not None:
                        projection(self, user_id, event)
                self.db.execute("delete from outbox where id = ?", (event["id"],))
            report.pushed += len(sent)
            for change in changes:
                if change.get("op") == "delete":
                    self.db.execute(
                        "delete from records where user_id = ? and type = ? and id = ?",
                        (user_id, change["type"], change["id"]),
                    )
                else:
                    self._put(
                        user_id,
                        change["type"],
                        change["id"],
                        change.get("version"),
                        change.get("data", {}),
                    )
            report.pulled += len(changes)
            if cursor is not None:
                self.db.execute(
                    "update accounts set cursor = ? where user_id = ?", (cursor, user_id)
                )
            self.db.execute("commit")
        except BaseException:
            self.db.execute("rollback")
            raise
        return progress

    def _move_to_rejected(
        self, event: dict[str, Any], user_id: str, result: dict[str, Any]
    ) -> None:
        self.db.execute(
            "insert or replace into rejected values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event["id"],
                event.get("device_seq"),
                user_id,
                event["name"],
                event["at"],
                json.dumps(event["args"]),
                result.get("code"),
                result.get("message"),
                json.dumps(result.get("details")),
            ),
        )

    def _reset(self, user_id: str) -> None:
        """Scope changed: forget the cursor and what was pulled, keep the outbox."""
        self.db.execute("begin immediate")
        self.db.execute("update accounts set cursor = null where user_id = ?", (user_id,))
        self.db.execute("delete from records where user_id = ?", (user_id,))
        self.db.execute("commit")

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("select value from meta where key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self.db.execute("insert or replace into meta values (?, ?)", (key, value))

    def close(self) -> None:
        self.http.close()
        self.db.close()
