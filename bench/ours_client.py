"""The device side of our server in the benchmark: POST /api/sync/v1 over one keep-alive
connection, gzip request bodies, Accept-Encoding: gzip, ≤ 500 events a call.

Deliberately thin (http.client + json + gzip) so the wall time is the protocol's and the
server's, not an outbox's: sync/client/ adds a SQLite outbox on top of the same calls.
"""

from __future__ import annotations

import gzip
import http.client
import json
import time
from dataclasses import dataclass, field
from typing import Any

CHUNK = 500
GZIP_LEVEL = 6


@dataclass
class Outcome:
    ms: float
    statuses: dict[str, int] = field(default_factory=dict)
    changes: int = 0
    calls: int = 0
    cursor: str | None = None
    first_problem: dict | None = None
    # CPU of the client's own thread during the sync (its JSON, gzip, SQLite, httpx):
    # waiting for the server costs none.
    cpu_ms: float = 0.0


class Device:
    def __init__(self, port: int, device_id: str, token: str) -> None:
        self.port = port
        self.device_id = device_id
        self.token = token
        self.cursor: str | None = None
        self.conn: http.client.HTTPConnection | None = None

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        raw = gzip.compress(json.dumps(body, separators=(",", ":")).encode(), GZIP_LEVEL)
        self.conn.request(
            "POST",
            "/api/sync/v1",
            body=raw,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
                "Accept-Encoding": "gzip",
            },
        )
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.getheader("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        if resp.status != 200:
            raise RuntimeError(f"sync answered {resp.status}: {data[:300]!r}")
        return json.loads(data)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def sync(self, events: list[dict[str, Any]] | None = None) -> Outcome:
        """Push `events` in chunks, then keep pulling while the server says `more`."""
        events = events or []
        started, cpu = time.perf_counter(), time.thread_time()
        out = Outcome(ms=0.0)
        chunks = [events[i : i + CHUNK] for i in range(0, len(events), CHUNK)] or [[]]
        more = False
        for chunk in chunks:
            answer = self._call(chunk, out)
            more = answer["more"]
        while more:
            more = self._call([], out)["more"]
        out.ms = (time.perf_counter() - started) * 1000
        out.cpu_ms = (time.thread_time() - cpu) * 1000
        out.cursor = self.cursor
        return out

    def _call(self, events: list[dict[str, Any]], out: Outcome) -> dict[str, Any]:
        answer = self._post(
            {"protocol": 1, "device_id": self.device_id, "cursor": self.cursor, "events": events}
        )
        self.cursor = answer["cursor"]
        out.calls += 1
        out.changes += len(answer["changes"])
        for result in answer["results"]:
            out.statuses[result["status"]] = out.statuses.get(result["status"], 0) + 1
            if result["status"] != "applied" and out.first_problem is None:
                out.first_problem = result
        return answer
