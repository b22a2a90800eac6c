"""The phone's SQLite: its outbox, the events the server rejected, the records it pulled and
a cursor per user, and applying one answer of the server to them in one transaction.

One connection, shared by the threads of a test or a simulator: `lock` serialises whoever
opens a transaction on it (queueing an event, a whole sync).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Any

from sync.client.projections import PROJECTIONS, PROJECTIONS_ALL
from sync.client.transport import SyncReport, json_load

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
# A result that is not a decision: the call had done enough work (docs/protocol.md §4).
CALL_FULL = "call_full"


class Store:
    def __init__(self, db_path: str = ":memory:") -> None:
        self.db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)
        self.lock = threading.RLock()

    def meta(self, key: str) -> str | None:
        row = self.db.execute("select value from meta where key = ?", (key,)).fetchone()
        return row[0] if row else None

    def meta_set(self, key: str, value: str) -> None:
        self.db.execute("insert or replace into meta values (?, ?)", (key, value))

    # ---- accounts -------------------------------------------------------------------
    def account_put(self, user_id: str, username: str, token: str) -> None:
        with self.lock:
            self.db.execute(
                "insert into accounts (user_id, username, token) values (?, ?, ?) on conflict"
                " (user_id) do update set token = excluded.token",
                (user_id, username, token),
            )

    def account(self, user_id: str) -> sqlite3.Row | None:
        return self.db.execute(
            "select token, cursor from accounts where user_id = ?", (user_id,)
        ).fetchone()

    def cursor(self, user_id: str | None) -> str | None:
        row = self.db.execute(
            "select cursor from accounts where user_id = ?", (user_id,)
        ).fetchone()
        return row["cursor"] if row else None

    # ---- outbox ---------------------------------------------------------------------
    def outbox_add(self, author: str, event: dict[str, Any]) -> int:
        """Queue an event under the phone's next device_seq; returns that seq."""
        with self.lock:
            self.db.execute("begin immediate")
            try:
                seq = int(self.meta("device_seq") or 0) + 1
                self.meta_set("device_seq", str(seq))
                self.db.execute(
                    "insert into outbox values (?, ?, ?, ?, ?, ?, ?)",
                    (
                        event["id"],
                        seq,
                        author,
                        event["name"],
                        event["at"],
                        event["hlc"],
                        json.dumps(event["args"]),
                    ),
                )
                self.db.execute("commit")
            except BaseException:
                self.db.execute("rollback")
                raise
        return seq

    def outbox_authors(self) -> list[str]:
        """Who has events queued, the author of the oldest first."""
        return [
            r[0]
            for r in self.db.execute(
                "select user_id from outbox group by user_id order by min(device_seq)"
            )
        ]

    def pending_count(self, user_id: str | None = None) -> int:
        if user_id is None:
            return self.db.execute("select count(*) from outbox").fetchone()[0]
        return self.db.execute(
            "select count(*) from outbox where user_id = ?", (user_id,)
        ).fetchone()[0]

    def pending(self, user_id: str | None = None, limit: int = 10**9) -> list[dict[str, Any]]:
        where, params = ("where user_id = ?", (user_id,)) if user_id else ("", ())
        # Plain tuples (sqlite3.Row reads each column by name in Python) for a chunk of 500.
        rows = self.db.cursor()
        rows.row_factory = None
        rows.execute(
            f"select id, device_seq, name, at, hlc, args, user_id from outbox {where}"
            " order by device_seq limit ?",
            (*params, limit),
        )
        return [
            {
                "id": id_,
                "device_seq": seq,
                "name": name,
                "at": at,
                "hlc": hlc,
                "args": json_load(args),
                "user_id": author,
            }
            for id_, seq, name, at, hlc, args, author in rows
        ]

    def outbox_reject(self, event: dict[str, Any], user_id: str, result: dict[str, Any]) -> None:
        """Out of the outbox, into `rejected` with the reason."""
        self.reject(event, user_id, result)
        self.db.execute("delete from outbox where id = ?", (event["id"],))

    # ---- rejected -------------------------------------------------------------------
    def rejected(self) -> list[dict[str, Any]]:
        rows = self.db.execute("select * from rejected order by device_seq")
        return [
            {**dict(r), "args": json.loads(r["args"]), "details": json.loads(r["details"])}
            for r in rows
        ]

    def reject(self, event: dict[str, Any], user_id: str, result: dict[str, Any]) -> None:
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

    # ---- pulled records -------------------------------------------------------------
    def records(self, type_: str, user_id: str | None) -> dict[str, dict[str, Any]]:
        rows = self.db.execute(
            "select id, data from records where user_id = ? and type = ?", (user_id, type_)
        )
        return {r["id"]: json.loads(r["data"]) for r in rows}

    def record(self, type_: str, id_: str, user_id: str | None) -> dict[str, Any] | None:
        row = self.db.execute(
            "select id, version, data from records where user_id = ? and type = ? and id = ?",
            (user_id, type_, id_),
        ).fetchone()
        return (
            {"id": row["id"], "version": row["version"], "data": json.loads(row["data"])}
            if row
            else None
        )

    _PUT = (
        "insert into records values (?, ?, ?, ?, ?) on conflict (user_id, type, id) do update"
        " set version = excluded.version, data = excluded.data"
    )

    def put(
        self, user_id: str, type_: str, id_: str, version: int | None, data: dict[str, Any]
    ) -> None:
        self.db.execute(self._PUT, (user_id, type_, id_, version, json.dumps(data)))

    def put_many(
        self, user_id: str, type_: str, records: list[tuple[str, int | None, str]]
    ) -> None:
        """`put` of many records of one type at once: (id, version, data as JSON text)."""
        self.db.executemany(
            self._PUT, [(user_id, type_, id_, version, data) for id_, version, data in records]
        )

    # ---- an answer of the server ----------------------------------------------------
    def apply(
        self,
        user_id: str,
        sent: list[dict[str, Any]],
        results: list[dict[str, Any]],
        changes: list[dict[str, Any]],
        cursor: str | None,
        report: SyncReport,
    ) -> int:
        """Results first (projections of own events), then the server's changes, which are
        newer than any of them, then the cursor: one SQLite transaction. Returns how many
        of the events sent were decided."""
        by_id = {e["id"]: e for e in sent}
        progress = 0
        decided: list[tuple[str]] = []
        projected: dict[str, list[dict[str, Any]]] = {}
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
                    self.reject(event, user_id, result)
                    report.rejected += 1
                else:
                    report.acknowledged += 1
                    projection = PROJECTIONS.get(event["name"])
                    if outcome == "applied" and event["name"] in PROJECTIONS_ALL:
                        projected.setdefault(event["name"], []).append(event)
                    elif outcome == "applied" and projection is not None:
                        projection(self, user_id, event)
                decided.append((event["id"],))
            # Each name's projections write records of their own type, in the events' order.
            for name, events in projected.items():
                PROJECTIONS_ALL[name](self, user_id, events)
            # Out of the outbox in the same transaction as their outcomes: one statement
            # for the call's events instead of one each.
            self.db.executemany("delete from outbox where id = ?", decided)
            report.pushed += len(sent)
            for change in changes:
                if change.get("op") == "delete":
                    self.db.execute(
                        "delete from records where user_id = ? and type = ? and id = ?",
                        (user_id, change["type"], change["id"]),
                    )
                else:
                    self.put(
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

    def reset(self, user_id: str) -> None:
        """Scope changed: forget the cursor and what was pulled, keep the outbox."""
        self.db.execute("begin immediate")
        self.db.execute("update accounts set cursor = null where user_id = ?", (user_id,))
        self.db.execute("delete from records where user_id = ?", (user_id,))
        self.db.execute("commit")

    def close(self) -> None:
        self.db.close()
