"""The reference client's own CPU for one push (sync/client/), without a server.

`sync_vs_pouchdb.py` times our `sync()` whole, the client's bookkeeping included (reading
the outbox, encoding and gzipping the chunks, applying the answers: acknowledging, projecting
the own events, storing the cursor). This measures that part alone: a phone holding `size`
pulled tasks (and residents) queues `size` events, then syncs against a canned answer (every
event `applied`, no changes), thread CPU of `sync()` minus the canned server's own, median
of the runs. To compare trees, copy it into the other tree's `bench/` and run both in turn.

    python bench/client_cpu.py [--shape task|note] [--size 2000] [--runs 7]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import time
import uuid

import in_venv  # noqa: F401  first: the venv, the import path

from sync.client import SyncClient  # noqa: E402
from sync.client.transport import Transport  # noqa: E402

AT = "2026-12-01T05:00:00.000+00:00"
SERVER_CPU = [0.0]


def answer(self: Transport, data: bytes, headers: dict) -> tuple[int, dict, bytes, int]:
    """Every event applied, nothing to pull: what our server answers a push of a current phone."""
    started = time.thread_time()
    body = json.loads(gzip.decompress(data) if headers.get("Content-Encoding") else data)
    results = [{"id": e["id"], "status": "applied"} for e in body["events"]]
    raw = json.dumps({"results": results, "changes": [], "cursor": "c3.x", "more": False})
    wire = len(gzip.compress(raw.encode()))
    SERVER_CPU[0] += time.thread_time() - started
    return 200, {}, raw.encode(), wire


def phone(shape: str, size: int) -> SyncClient:
    client = SyncClient("http://127.0.0.1:1", db_path=":memory:", max_attempts=1)
    user = str(uuid.uuid4())
    client.add_account(user, "token")
    facility, area = str(uuid.uuid4()), str(uuid.uuid4())
    tasks = [str(uuid.uuid4()) for _ in range(size)]
    residents = [str(uuid.uuid4()) for _ in range(30)]
    for task in tasks:
        data = {"id": task, "facility_id": facility, "area_id": area, "kind": "meal",
                "title": "Bữa trưa", "slot": "11:00", "local_date": "2026-12-01",
                "status": "pending", "window_start": AT, "window_end": AT, "done_by": None,
                "done_at": None, "reason": "", "details": {}}  # fmt: skip
        client.store.put(user, "task", task, 1, data)
    for resident in residents:
        data = {"facility_id": facility, "area_id": area, "full_name": "Cụ Lan", "room": "P1"}
        client.store.put(user, "resident", resident, 1, data)
    client.store.db.execute("update accounts set cursor = 'c3.x' where user_id = ?", (user,))
    for i in range(size):
        if shape == "task":
            args = {"task_id": tasks[i], "outcome": "done", "details": {"portion": 100}}
            client.queue("task.complete", args, at=AT)
        else:
            text = f"Cụ ăn hết suất, ngủ trưa ngon; theo dõi huyết áp tối nay ({i})."
            args = {"note_id": str(uuid.uuid4()), "kind": "observation", "text": text,
                    "resident_id": residents[i % 30]}  # fmt: skip
            client.queue("note.add", args, at=AT)
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", choices=("task", "note"), default="task")
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    Transport._post = answer  # type: ignore[method-assign,assignment]
    cpus = []
    for _ in range(args.runs):
        client = phone(args.shape, args.size)
        SERVER_CPU[0] = 0.0
        started = time.thread_time()
        report = client.sync()
        cpus.append((time.thread_time() - started - SERVER_CPU[0]) * 1000)
        assert report.acknowledged == args.size, report
    print(
        f"client CPU, sync of {args.size} ({args.shape}): median {statistics.median(cpus):.1f} ms"
        f" (min {min(cpus):.1f}), {args.runs} runs; load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
