"""Load: N simulated phones syncing every 30 s against the production shape.

    python bench/load.py                        # 500 phones, 3 minutes, a fresh local stack
    python bench/load.py --phones 50 --duration 30 --interval 10   # a short smoke run

It starts deploy/local-stack on a fresh database (catruc_load), seeds a province
(bench/load_setup.py), gives every phone its first full pull (not measured), then each phone
syncs every --interval seconds from a random start: carers tick 1-4 meals, nurses give PRN
doses, kitchen staff log a food sample, managers only pull, and about half of all syncs push
nothing (no-op). It reports p50/p95/p99 latency, errors, events sent against events stored
(EventLog rows by id), and the CPU and memory of every process of the stack.

The phones speak the wire contract with raw httpx on one event loop rather than through
sync/client/: that client is synchronous with a SQLite file per phone, and 500 of them in
threads would measure the load generator's GIL, not the server.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from load_procs import OWN_DB, ProcessMeter  # noqa: E402

from sync.protocol import PROTOCOL_VERSION  # noqa: E402
from tests.deploy.stack_process import LocalStack, database_drop  # noqa: E402

DB_URL = "postgresql://postgres@127.0.0.1:5432/catruc_load"


class Phone:
    def __init__(self, spec: dict, rng: random.Random) -> None:
        self.spec = spec
        self.rng = rng
        self.cursor: str | None = None
        self.seq = itertools.count(1)
        self.tasks = list(spec.get("task_ids", []))
        rng.shuffle(self.tasks)

    def _event(self, name: str, args: dict) -> dict:
        return {
            "id": str(uuid.uuid4()),
            "device_seq": next(self.seq),
            "name": name,
            "at": datetime.now(UTC).isoformat(),
            "hlc": "",
            "args": args,
        }

    def events(self) -> list[dict]:
        """This sync's events: the realistic mix (empty = a no-op sync)."""
        kind, rng = self.spec["kind"], self.rng
        if kind == "carer" and rng.random() < 0.5 and self.tasks:
            return [
                self._event(
                    "task.complete",
                    {
                        "task_id": self.tasks.pop(),
                        "outcome": "done",
                        "details": {"portion": rng.choice([50, 75, 100])},
                    },
                )
                for _ in range(min(rng.randint(1, 4), len(self.tasks)))
            ]
        if kind == "nurse" and rng.random() < 0.4:
            return [
                self._event(
                    "med.administer",
                    {
                        "administration_id": str(uuid.uuid4()),
                        "order_id": rng.choice(self.spec["order_ids"]),
                        "prn": True,
                        "outcome": "given",
                        "dose": "1 viên",
                        "reason": "sốt",
                    },
                )
                for _ in range(rng.randint(1, 2))
            ]
        if kind == "kitchen" and rng.random() < 0.3:
            return [
                self._event(
                    "food_sample.record",
                    {
                        "sample_id": str(uuid.uuid4()),
                        "meal": rng.choice(["breakfast", "lunch", "dinner"]),
                        "dish": "Cơm, canh bí",
                        "quantity": 150,
                        "unit": "g",
                        "stored_temp_c": 4,
                        "taken_at": datetime.now(UTC).isoformat(),
                    },
                )
            ]
        return []


def _head_bytes(headers: httpx.Headers) -> int:
    # "Name: value\r\n" per header and the blank line; the request/status line is added
    # by the caller (POST /api/sync/v1 HTTP/1.1 and HTTP/1.1 200 OK).
    return sum(len(k) + len(v) + 4 for k, v in headers.raw) + 2


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.sent: list[str] = []
        self.statuses: dict[str, int] = {}
        self.requests = 0
        self.noop = 0
        self.noop_latencies: list[float] = []
        # Bytes on the wire per call, both ways: bodies as sent (gzip if it was) plus the
        # header lines (HTTP/1.1 through nginx; the TCP/TLS overhead is not counted).
        self.bytes_up = 0
        self.bytes_down = 0

    def count_bytes(self, response: httpx.Response) -> None:
        request = response.request
        self.bytes_up += len(request.content) + _head_bytes(request.headers) + 40
        self.bytes_down += response.num_bytes_downloaded + _head_bytes(response.headers) + 17

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def sync_once(client: httpx.AsyncClient, phone: Phone, stats: Stats | None) -> None:
    events = phone.events() if stats is not None else []
    body = {
        "protocol": PROTOCOL_VERSION,
        "device_id": phone.spec["device_id"],
        "cursor": phone.cursor,
        "events": events,
    }
    headers = {"Authorization": f"Bearer {phone.spec['token']}"}
    while True:
        started = time.perf_counter()
        try:
            response = await client.post("/api/sync/v1", json=body, headers=headers)
        except httpx.HTTPError as exc:
            if stats is not None:
                stats.error(type(exc).__name__)
            return
        elapsed = time.perf_counter() - started
        if stats is not None:
            stats.requests += 1
            stats.latencies.append(elapsed)
            stats.noop += not body["events"]
            if not body["events"]:
                stats.noop_latencies.append(elapsed)
            stats.sent += [e["id"] for e in body["events"]]
            stats.count_bytes(response)
        if response.status_code != 200:
            if stats is not None:
                stats.error(f"http_{response.status_code}")
            return
        answer = response.json()
        if stats is not None:
            for result in answer["results"]:
                stats.statuses[result["status"]] = stats.statuses.get(result["status"], 0) + 1
        phone.cursor = answer["cursor"]
        if not answer.get("more"):
            return
        body = {**body, "cursor": phone.cursor, "events": []}  # next page of the pull


async def phone_loop(client, phone: Phone, stats: Stats, interval: float, until: float) -> None:
    await asyncio.sleep(phone.rng.uniform(0, interval))
    while time.monotonic() < until:
        started = time.monotonic()
        await sync_once(client, phone, stats)
        await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))


async def run(
    url: str, phones: list[Phone], interval: float, duration: float, meter: ProcessMeter
) -> Stats:
    limits = httpx.Limits(max_connections=len(phones), max_keepalive_connections=len(phones))
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        warm = asyncio.Semaphore(8)

        async def first_pull(phone: Phone) -> None:
            async with warm:
                await sync_once(client, phone, None)

        started = time.monotonic()
        await asyncio.gather(*(first_pull(p) for p in phones))
        print(f"first pulls done in {time.monotonic() - started:.0f} s", flush=True)
        stats = Stats()
        meter.start()
        until = time.monotonic() + duration
        await asyncio.gather(*(phone_loop(client, p, stats, interval, until) for p in phones))
        meter.stop()
        return stats


def stored_count(database_url: str, ids: list[str]) -> int:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM sync_eventlog WHERE id = ANY(%s::uuid[])", [ids]
        ).fetchone()[0]


def per_call(processes: dict[str, dict[str, float]], requests: int) -> dict[str, float]:
    """CPU milliseconds per sync call: the web workers together, this database's PostgreSQL
    backends, nginx (what capacity planning multiplies by the call rate)."""
    calls = max(requests, 1)
    workers = sum(v["cpu_s"] for k, v in processes.items() if k.startswith(("web", "uvicorn")))
    out = {"workers": round(workers * 1000 / calls, 2)}
    for key, name in (("postgresql", OWN_DB), ("nginx", "nginx")):
        if name in processes:
            out[key] = round(processes[name]["cpu_s"] * 1000 / calls, 2)
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
        if ordered
        else float("nan")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=500)
    parser.add_argument("--interval", type=float, default=30)
    parser.add_argument("--duration", type=float, default=180)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=DB_URL)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args()

    database_drop(args.database_url)
    state = ROOT / "var" / "stack-load"
    stack = LocalStack(
        database_url=args.database_url,
        state_dir=state,
        workers=args.workers,
        channel_prefix="catruc-load",
    ).start()
    try:
        print(f"stack up at {stack.url}", flush=True)
        specs_file = state / "phones.json"
        env = {
            **os.environ,
            "DATABASE_URL": args.database_url,
            "SECRET_KEY": "load-setup",
            "DEBUG": "false",
            "DJANGO_SETTINGS_MODULE": "server.settings",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "load_setup.py"),
                str(specs_file),
                str(args.phones),
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
        rng = random.Random(args.seed)
        phones = [
            Phone(spec, random.Random(rng.random())) for spec in json.loads(specs_file.read_text())
        ]
        meter = ProcessMeter.for_stack(stack.processes(), database=args.database_url)
        stats = asyncio.run(run(stack.url, phones, args.interval, args.duration, meter))
        stored = stored_count(args.database_url, stats.sent)
    finally:
        stack.stop()
    figures = {
        "phones": args.phones,
        "interval_s": args.interval,
        "duration_s": args.duration,
        "workers": args.workers,
        "requests": stats.requests,
        "noop_syncs": stats.noop,
        "p50_ms": round(percentile(stats.latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(stats.latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(stats.latencies, 99) * 1000, 1),
        "max_ms": round(max(stats.latencies, default=0) * 1000, 1),
        "noop_p95_ms": round(percentile(stats.noop_latencies, 95) * 1000, 1),
        "bytes_per_call_up": round(stats.bytes_up / max(stats.requests, 1)),
        "bytes_per_call_down": round(stats.bytes_down / max(stats.requests, 1)),
        "errors": stats.errors,
        "events_sent": len(stats.sent),
        "events_stored": stored,
        "statuses": stats.statuses,
        "processes": meter.report(),
    }
    figures["cpu_ms_per_call"] = per_call(figures["processes"], stats.requests)
    figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(figures, indent=1, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    ok = not stats.errors and stored == len(stats.sent) and figures["p95_ms"] <= 200
    print("target (p95 ≤ 200 ms, no error, nothing lost):", "MET" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
