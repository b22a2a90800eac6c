"""Many no-op sync calls against our server alone: wall time and the server's CPU per call.

sync_vs_pouchdb.py times one no-op per run, a single sample of ~10 ms that a busy machine
moves by 2×. This sends N no-op calls (a device whose cursor is current, no events) in four
ways — straight to uvicorn or through the counting proxy, on one kept-alive connection or a
new connection per call, as the benchmark's devices do — and reads the uvicorn process's
CPU from /proc around them, and that of the PostgreSQL backends its pool holds open to the
bench database: CPU per call is little moved by other load, wall time is. A
fifth row: the reference client's whole no-op sync() through the proxy, as
sync_vs_pouchdb.py times it (its own bookkeeping included), with the client thread's CPU per
call; a sixth: the same call after a pause (--gap, 0.3 s), as the benchmark meets it, every
process of the path asleep before it.

With --in-process it also runs the same calls through the one-hop handler's synchronous part
in this process (server/one_hop.py: signals, middleware, Ninja, the view; no uvicorn, no
socket) and prints that thread's CPU per call and the SQL statements each call runs: the
server's own work, the least moved by other load.

Usage: python bench/noop_cpu.py [--calls 400] [--database catruc_bench] [--in-process] [--gap 0.3]
(drops and recreates the database; seeds one small facility; SYNC_RATE_LIMIT is lifted for
the run, the throttle's Redis round trip still runs on every call).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.client
import io
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import peers
from proxy import CountingProxy


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pg_backends(env: dict[str, str]) -> list[int]:
    """The PostgreSQL backends connected to the bench database (the server's pool)."""
    from urllib.parse import urlparse

    import psycopg

    url = urlparse(env["DATABASE_URL"])
    admin = url._replace(path="/postgres", query="").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [url.path.lstrip("/")]
        ).fetchall()
    return [pid for (pid,) in rows]


def _pids_cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        # A backend that ended: its CPU is lost to the figure (rare).
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            total += _cpu_seconds(pid)
    return total


def in_process(env: dict[str, str], who: dict, raw: bytes, calls: int) -> None:
    """The handler's synchronous part, called here: thread CPU and statements per call."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "server.settings"
    import django

    django.setup()
    from django.db import connection

    from server.one_hop import OneHopHandler

    handler = OneHopHandler()
    headers = [
        (b"host", b"127.0.0.1"),
        (b"authorization", f"Bearer {who['token']}".encode()),
        (b"content-type", b"application/json"),
        (b"content-encoding", b"gzip"),
        (b"accept-encoding", b"gzip"),
        (b"content-length", str(len(raw)).encode()),
    ]
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/sync/v1",
        "raw_path": b"/api/sync/v1",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    statements = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    def call() -> None:
        with connection.execute_wrapper(count):
            response = handler._respond(scope, io.BytesIO(raw))
        assert response.status_code == 200, response.content[:200]

    for _ in range(50):
        call()
    statements = 0
    for rep in range(3):
        started = time.thread_time()
        for _ in range(calls):
            call()
        cpu = (time.thread_time() - started) / calls * 1000
        print(f"in process, round {rep + 1}: {cpu:.2f} ms of the thread's CPU per call")
    print(f"SQL statements per call: {statements / (3 * calls):g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--database", default="catruc_bench")
    parser.add_argument("--in-process", action="store_true")
    parser.add_argument(
        "--gap",
        type=float,
        default=0.3,
        help="pause before each of the last row's calls (0: no row)",
    )
    parser.add_argument("--gap-calls", type=int, default=40)
    args = parser.parse_args()

    env = peers.ours_env(args.database)
    env["SYNC_RATE_LIMIT"] = "1000000000"
    seed = peers.ours_prepare(env, [10], 1)[0]
    who = seed["puller"]
    proc, port = peers.start_uvicorn(env)
    proxy = CountingProxy(port)
    proxy_port = proxy.start()
    headers = {
        "Authorization": f"Bearer {who['token']}",
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
        "Accept-Encoding": "gzip",
    }

    def body(cursor: str | None) -> bytes:
        payload = {"protocol": 1, "device_id": who["device_id"], "cursor": cursor, "events": []}
        return gzip.compress(json.dumps(payload, separators=(",", ":")).encode())

    def calls(to: int, fresh: bool, raw: bytes, n: int) -> list[float]:
        out, conn = [], None
        for _ in range(n):
            started = time.perf_counter()
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", to)
            conn.request("POST", "/api/sync/v1", body=raw, headers=headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 200:
                raise RuntimeError(f"{response.status}: {data[:200]!r}")
            if fresh:
                conn.close()
                conn = None
            out.append((time.perf_counter() - started) * 1000)
        if conn is not None:
            conn.close()
        return out

    try:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("POST", "/api/sync/v1", body=body(None), headers=headers)
        answer = conn.getresponse().read()
        conn.close()
        cursor = json.loads(gzip.decompress(answer) if answer[:2] == b"\x1f\x8b" else answer)
        raw = body(cursor["cursor"])
        print(f"{args.calls} no-op calls each; load average {os.getloadavg()}")
        print(
            "way                      wall p10 / p50 / p90 ms   uvicorn / PostgreSQL CPU per call"
        )
        for name, to, fresh in [
            ("direct, kept alive", port, False),
            ("direct, new connection", port, True),
            ("proxy, kept alive", proxy_port, False),
            ("proxy, new connection", proxy_port, True),
        ]:
            calls(to, fresh, raw, 50)  # warm
            backends = _pg_backends(env)
            before, pg_before = _cpu_seconds(proc.pid), _pids_cpu(backends)
            walls = calls(to, fresh, raw, args.calls)
            cpu = (_cpu_seconds(proc.pid) - before) / args.calls * 1000
            pg = (_pids_cpu(backends) - pg_before) / args.calls * 1000
            p = statistics.quantiles(walls, n=10)
            print(
                f"{name:24s} {p[0]:5.1f} / {statistics.median(walls):5.1f} / {p[-1]:5.1f}"
                f"          {cpu:5.2f} / {pg:4.2f} ms"
            )
        # As sync_vs_pouchdb.py times its no-op: the reference client's whole sync() (its
        # SQLite bookkeeping and httpx included) through the proxy.
        from ours_reference import RefDevice

        device = RefDevice(proxy_port, who["device_id"], who["token"], seed["user_id"])
        device.sync()
        walls = [device.sync().ms for _ in range(50)]
        started = time.thread_time()
        walls = [device.sync().ms for _ in range(args.calls)]
        client_cpu = (time.thread_time() - started) / args.calls * 1000
        p = statistics.quantiles(walls, n=10)
        print(
            f"{'reference client, proxy':24s} {p[0]:5.1f} / {statistics.median(walls):5.1f}"
            f" / {p[-1]:5.1f}          client {client_cpu:.2f} ms"
        )
        if args.gap:
            # As sync_vs_pouchdb.py meets it: one call after a pause (there, the peer's pull
            # runs in between), every process of the path asleep and its caches cold.
            walls = []
            for _ in range(args.gap_calls):
                time.sleep(args.gap)
                walls.append(device.sync().ms)
            p = statistics.quantiles(walls, n=10)
            print(
                f"{f'reference, {args.gap:g} s pause':24s} {p[0]:5.1f} /"
                f" {statistics.median(walls):5.1f} / {p[-1]:5.1f}"
            )
    finally:
        proxy.stop()
        proc.terminate()
        proc.wait()
    if args.in_process:
        in_process(env, who, raw, args.calls)


if __name__ == "__main__":
    main()
