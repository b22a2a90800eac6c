"""Push on one worker -> dashboard delta on another: latency over N events (docs/performance.md).

Two uvicorn workers (`DEBUG=0`, as deployed) share PostgreSQL and the Redis channel layer.
A manager's dashboard socket is open on worker B; a carer's phone pushes N `task.complete`
events to worker A, one event per sync call, one call after the other. For each event it
records when the request started, when the HTTP response came back (the transaction has
committed by then) and when the dashboard delta counting that completion arrived on B.

    python bench/dashboard_latency.py                  # 1,000 events
    python bench/dashboard_latency.py --events 200     # a quick look

Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and Redis on 127.0.0.1:6379; override
with BENCH_DATABASE_URL / BENCH_REDIS_URL. The database (`--database`, default
`catruc_bench_dash`) is dropped and recreated. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def recreate_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(events: int) -> dict:
    """A facility, a care area, a manager and a carer with tokens, `events` open tasks due now."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from server.accounts.models import Device, DeviceToken, Membership, User
    from server.accounts.services import token_hash
    from server.care.models import Area, Facility, TaskInstance

    call_command("migrate", verbosity=0)
    now = timezone.now()
    facility = Facility.objects.create(
        code=f"bench-dash-{secrets.token_hex(3)}", name="Trung tâm đo bảng trực"
    )
    area = Area.objects.create(facility=facility, code="khu-a", name="Khu A")
    people = {}
    for role in ("manager", "carer"):
        user = User.objects.create(username=f"{facility.code}-{role}", full_name=f"Người {role}")
        membership = Membership.objects.create(user=user, facility=facility, role=role)
        membership.areas.add(area)
        device = Device.objects.create(id=uuid.uuid4(), name=role, facility=facility)
        raw = secrets.token_urlsafe(32)
        DeviceToken.objects.create(key_hash=token_hash(raw), user=user, device=device)
        people[role] = {"token": raw, "device_id": str(device.id)}
    tasks = [
        TaskInstance(
            id=uuid.uuid4(),
            facility=facility,
            area=area,
            kind="custom",
            title=f"Việc {i}",
            local_date=timezone.localdate(),
            slot="00:00",
            due_at=now,
            window_start=now - timedelta(hours=1),
            window_end=now + timedelta(hours=1),
        )
        for i in range(events)
    ]
    TaskInstance.objects.bulk_create(tasks, batch_size=1000)
    return {
        "facility_id": str(facility.id),
        "key": f"{area.id}|custom",
        "task_ids": [str(t.id) for t in tasks],
        **{f"{role}_{k}": v for role, d in people.items() for k, v in d.items()},
    }


def start_worker(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, int]:
    from deploy.web_process import web_start

    return web_start(
        env, options=["--log-level", "warning", "--lifespan", "off"], log=log, timeout=60
    )


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


async def measure(
    data: dict, port_a: int, port_b: int, warmup: int
) -> list[tuple[float, float, float]]:
    import httpx
    from websockets.asyncio.client import connect

    arrivals: dict[int, float] = {}
    waiters: dict[int, asyncio.Future] = {}
    rows: list[tuple[float, float, float]] = []
    url = f"ws://127.0.0.1:{port_b}/ws/v1/dashboard?facility={data['facility_id']}"
    async with connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "auth", "token": data["manager_token"]}))
        assert json.loads(await ws.recv())["type"] == "ready"
        snapshot = json.loads(await ws.recv())
        assert snapshot["sections"]["tiles"][data["key"]]["total"] == len(data["task_ids"])

        async def reader() -> None:
            async for raw in ws:
                now = time.perf_counter()
                message = json.loads(raw)
                tile = message.get("sections", {}).get("tiles", {}).get("set", {}).get(data["key"])
                if tile is not None:
                    arrivals[tile["done"]] = now
                    waiter = waiters.pop(tile["done"], None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(now)

        reading = asyncio.create_task(reader())
        headers = {"Authorization": f"Bearer {data['carer_token']}"}
        cursor = None
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port_a}", headers=headers, timeout=30
        ) as http:
            for done, task_id in enumerate(data["task_ids"], start=1):
                waiter = asyncio.get_running_loop().create_future()
                waiters[done] = waiter
                event = {
                    "id": str(uuid.uuid4()),
                    "device_seq": done,
                    "name": "task.complete",
                    "hlc": "",
                    "at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
                    "args": {"task_id": task_id, "outcome": "done"},
                }
                started = time.perf_counter()
                response = await http.post(
                    "/api/sync/v1",
                    json={
                        "protocol": 1,
                        "device_id": data["carer_device_id"],
                        "cursor": cursor,
                        "events": [event],
                    },
                )
                answered = time.perf_counter()
                body = response.json()
                assert body["results"][0]["status"] == "applied", body
                cursor = body["cursor"]
                arrived = arrivals.get(done) or await asyncio.wait_for(waiter, timeout=10)
                if done > warmup:
                    rows.append((started, answered, arrived))
        reading.cancel()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument(
        "--warmup", type=int, default=20, help="first events not counted (connections, caches)"
    )
    parser.add_argument("--database", default="catruc_bench_dash")
    args = parser.parse_args()
    pg = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    db_url = pg.rsplit("/", 1)[0] + f"/{args.database}"
    recreate_database(pg, args.database)
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "REDIS_URL": redis,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CHANNEL_PREFIX": f"bench-dash-{secrets.token_hex(3)}",
        "DJANGO_SETTINGS_MODULE": "server.settings",
        "LOG_LEVEL": "WARNING",
        "SECURE_COOKIES": "0",
    }
    os.environ.update(env)
    data = seed(args.events + args.warmup)
    (ROOT / "var").mkdir(exist_ok=True)
    workers = [start_worker(env, ROOT / "var" / f"bench-dash-{name}.log") for name in ("a", "b")]
    load_before = os.getloadavg()
    try:
        rows = asyncio.run(measure(data, workers[0][1], workers[1][1], args.warmup))
    finally:
        for proc, _ in workers:
            proc.terminate()
            proc.wait(10)
    load_after = os.getloadavg()
    from_response = [(arrived - answered) * 1000 for _, answered, arrived in rows]
    from_start = [(arrived - started) * 1000 for started, _, arrived in rows]
    round_trip = [(answered - started) * 1000 for started, answered, _ in rows]
    print(
        f"\ndashboard latency: {len(rows)} events (after {args.warmup} warm-up), 2 workers, PostgreSQL + Redis"
    )
    print(
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} ({os.cpu_count()} cores)\n"
    )
    print(f"| {'ms':<44} | {'p50':>6} | {'p95':>6} | {'p99':>6} | {'max':>6} |")
    print(f"|{'-' * 46}|{'-' * 8}|{'-' * 8}|{'-' * 8}|{'-' * 8}|")
    for label, values in (
        ("HTTP response on A -> delta on B", from_response),
        ("request start on A -> delta on B", from_start),
        ("sync call round trip on A (for reference)", round_trip),
    ):
        print(
            f"| {label:<44} | {pct(values, 50):6.1f} | {pct(values, 95):6.1f} | {pct(values, 99):6.1f} | {max(values):6.1f} |"
        )
    early = sum(1 for v in from_response if v < 0)
    print(
        f"\n{early} of {len(rows)} deltas reached B before A's HTTP response reached the phone (negative values)."
    )


if __name__ == "__main__":
    main()
