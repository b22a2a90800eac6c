"""The CPU one push costs the server, in-process: a figure the machine's load barely moves.

`sync_vs_pouchdb.py` measures wall time against the peer, which on a shared machine swings
by 2× from run to run. This script times the same request's *CPU* in the worker's thread
instead (`time.thread_time`): authentication, the body's JSON, every rule, the response's
JSON; PostgreSQL's own CPU is not in it. Each run is a fresh facility with `size` open meal
tasks (`ours_setup.seed_one`) and one `POST /api/sync/v1` of `size` `task.complete` events
through Django's test client (the real middleware and view), median of the runs.

Usage (the database must exist and be migrated; sync_vs_pouchdb.py leaves one):
    python bench/push_cpu.py [--size 500] [--runs 7] [--database catruc_bench] [--profile N]
                             [--shape task|note] [--freeze] [--current] [--sql] [--phases]
`--shape note` pushes `size` observation notes about the facility's residents instead.
`--freeze` moves what exists before each push into the collector's permanent generation
(`gc.freeze()`, as `server/process.py` does at a worker's start), so that a full collection
walking the seeding's objects does not land inside one push and not another: the figure
moves less from run to run. The minimum is printed beside the median.
`--profile N` prints the N functions with the most own time (cProfile) of one more run.
`--sql` also prints the wall time of the push's SQL statements (Django's execute wrapper:
COPY through the raw cursor is not in it), median of the runs, in total and per statement
kind (its first words, or the table a SELECT reads).
`--phases` also prints the call's CPU by phase (bench/phases.py: the engine's own steps,
each function's own time, timed in the request's thread), median of the runs, with each
phase's share of the median call.
`--current` sends the push with a current cursor (an empty sync first, not timed), as the
phone of sync_vs_pouchdb.py does; without it the push carries a null cursor and its answer
pulls the facility's tasks as well.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import statistics
import time
import uuid

import in_venv  # noqa: F401  first: the venv, the import path

parser = argparse.ArgumentParser()
parser.add_argument("--size", type=int, default=500)
parser.add_argument("--runs", type=int, default=7)
parser.add_argument("--database", default="catruc_bench")
parser.add_argument("--profile", type=int, default=0)
parser.add_argument("--shape", choices=("task", "note"), default="task")
parser.add_argument("--freeze", action="store_true")
parser.add_argument("--current", action="store_true")
parser.add_argument("--sql", action="store_true")
parser.add_argument("--phases", action="store_true")
ARGS = parser.parse_args()

import peers  # noqa: E402

os.environ.update(peers.ours_env(ARGS.database))
os.environ["ALLOWED_HOSTS"] = "testserver"

import ours_setup  # noqa: E402  (sets Django up)
import phases  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402


def note_args(seeded: dict, i: int) -> dict:
    residents = seeded["resident_ids"]
    return {
        "note_id": str(uuid.uuid4()),
        "kind": "observation",
        "text": f"Cụ ăn hết suất, ngủ trưa ngon; theo dõi huyết áp tối nay ({i}).",
        "resident_id": residents[i % len(residents)],
    }


def cursor_of(seeded: dict) -> str | None:
    """The pusher's cursor after an empty sync (None unless `--current`)."""
    if not ARGS.current:
        return None
    body = {"protocol": 1, "device_id": seeded["pusher"]["device_id"], "cursor": None}
    cursor = None
    while True:
        _, _, answer = push(seeded, json.dumps({**body, "cursor": cursor, "events": []}).encode())
        cursor = answer["cursor"]
        if not answer["more"]:
            return cursor


def body_of(seeded: dict) -> bytes:
    at = timezone.now().isoformat()
    if ARGS.shape == "note":
        calls = [("note.add", note_args(seeded, i)) for i in range(ARGS.size)]
    else:
        calls = [
            ("task.complete", {"task_id": task, "outcome": "done", "details": {"portion": 100}})
            for task in seeded["task_ids"]
        ]
    events = [
        {
            "id": str(uuid.uuid4()),
            "device_seq": i + 1,
            "name": name,
            "at": at,
            "hlc": f"{int(time.time() * 1000)}-{i:04d}-bench",
            "args": args,
        }
        for i, (name, args) in enumerate(calls)
    ]
    device = seeded["pusher"]["device_id"]
    cursor = cursor_of(seeded)
    return json.dumps(
        {"protocol": 1, "device_id": device, "cursor": cursor, "events": events}
    ).encode()


STATEMENTS: dict[str, float] = {}


def statement_kind(sql: str) -> str:
    words = sql.replace('"', "").split()
    if words and words[0].upper() == "SELECT" and "FROM" in words:
        return f"SELECT … FROM {words[words.index('FROM') + 1]}"
    return " ".join(words[:3])[:60]


def timed(execute, sql, params, many, context):
    start = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        kind = statement_kind(sql)
        STATEMENTS[kind] = STATEMENTS.get(kind, 0.0) + (time.perf_counter() - start) * 1000


def push(seeded: dict, body: bytes) -> tuple[float, float, dict]:
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {seeded['pusher']['token']}"}
    cpu, wall = time.thread_time(), time.perf_counter()
    response = client.post("/api/sync/v1", body, content_type="application/json", **headers)
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    assert response.status_code == 200, response.content[:300]
    return cpu * 1000, wall * 1000, json.loads(response.content)


def main() -> None:
    cpus: list[float] = []
    walls: list[float] = []
    sqls: dict[str, list[float]] = {}
    timer = phases.PhaseTimer()
    by_phase: list[dict[str, float]] = []
    if ARGS.phases:
        phases.install(timer)
    for run in range(ARGS.runs + 1):
        seeded = ours_setup.seed_one(ARGS.size, run)
        body = body_of(seeded)
        if ARGS.freeze:
            gc.collect()
            gc.freeze()
        STATEMENTS.clear()
        timer.clear()
        if ARGS.sql:
            with connection.execute_wrapper(timed):
                cpu, wall, answer = push(seeded, body)
        else:
            cpu, wall, answer = push(seeded, body)
        statuses = {r["status"] for r in answer["results"]}
        assert statuses == {"applied"}, statuses
        if run:  # the first warms caches and connections
            cpus.append(cpu)
            walls.append(wall)
            by_phase.append(dict(timer.own))
            for kind, ms in STATEMENTS.items():
                sqls.setdefault(kind, []).append(ms)
            sqls.setdefault("(all statements)", []).append(sum(STATEMENTS.values()))
    print(
        f"push {ARGS.size} ({ARGS.shape}{', frozen' if ARGS.freeze else ''}): "
        f"server CPU median {statistics.median(cpus):.0f} ms "
        f"(min {min(cpus):.0f}, max {max(cpus):.0f}), wall median {statistics.median(walls):.0f} ms"
        f", {ARGS.runs} runs; load average {os.getloadavg()[0]:.2f}"
    )
    for kind, values in sorted(sqls.items(), key=lambda kv: -statistics.median(kv[1])):
        if statistics.median(values) >= 0.3:
            print(f"  sql {statistics.median(values):6.1f} ms  {kind} (min {min(values):.1f})")
    if ARGS.phases:
        print(phases.table(cpus, by_phase))
    if ARGS.profile:
        seeded = ours_setup.seed_one(ARGS.size, ARGS.runs + 1)
        body = body_of(seeded)
        profile = cProfile.Profile()
        profile.enable()
        push(seeded, body)
        profile.disable()
        pstats.Stats(profile).sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(
            ARGS.profile
        )


if __name__ == "__main__":
    main()
