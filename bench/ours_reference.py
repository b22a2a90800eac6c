"""Our device driven by the reference client, sync/client/ (SQLite outbox in memory).

Same interface as ours_client.Device. Events are queued before the clock starts (as
PouchDB's documents are loaded before its replication is timed); `sync()` is timed whole,
including the client's own bookkeeping (acknowledging the outbox, projecting its events,
storing pulled records), as a phone would do it.
"""

from __future__ import annotations

import time
from typing import Any

from ours_client import Outcome

from sync.client import SyncClient


class RefDevice:
    def __init__(self, port: int, device_id: str, token: str, user_id: str) -> None:
        self.client = SyncClient(
            f"http://127.0.0.1:{port}",
            db_path=":memory:",
            device_id=device_id,
            max_attempts=1,
            timeout=300,
        )
        self.client.add_account(user_id, token)

    @property
    def cursor(self) -> str | None:
        return self.client.cursor()

    def sync(self, events: list[dict[str, Any]] | None = None) -> Outcome:
        for e in events or []:
            self.client.queue(e["name"], e["args"], at=e["at"], event_id=e["id"])
        started, cpu = time.perf_counter(), time.thread_time()
        report = self.client.sync()
        out = Outcome(
            ms=(time.perf_counter() - started) * 1000,
            cpu_ms=(time.thread_time() - cpu) * 1000,
            changes=report.pulled,
            calls=report.requests,
            cursor=self.cursor,
        )
        for result in report.results:
            out.statuses[result["status"]] = out.statuses.get(result["status"], 0) + 1
            if result["status"] != "applied" and out.first_problem is None:
                out.first_problem = result
        return out

    def close(self) -> None:
        """Keep the connection pool: httpx drops connections the server has closed."""
