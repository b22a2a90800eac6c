"""Many no-op sync calls against our server alone: wall time and the server's CPU per call.

sync_vs_pouchdb.py times one no-op per run, a single sample of ~10 ms that a busy machine
moves by 2×. This sends N no-op calls (a device whose cursor is current, no events) in four
ways — straight to uvicorn or through the counting proxy, on one kept-alive connection or a
new connection per call, as the benchmark's devices do — and reads the uvicorn process's
CPU from /proc around them: CPU per call is little moved by other load, wall time is.

Usage: python bench/noop_cpu.py [--calls 400] [--database catruc_bench]
(drops and recreates the database; seeds one small facility; SYNC_RATE_LIMIT is lifted for
the run, the throttle's Redis round trip still runs on every call).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import statistics
import time
from pathlib import Path

import peers
from proxy import CountingProxy


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--database", default="catruc_bench")
    args = parser.parse_args()

    env = peers.ours_env(args.database)
    env["SYNC_RATE_LIMIT"] = "1000000000"
    who = peers.ours_prepare(env, [10], 1)[0]["puller"]
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
        print("way                      wall p10 / p50 / p90 ms   uvicorn CPU per call")
        for name, to, fresh in [
            ("direct, kept alive", port, False),
            ("direct, new connection", port, True),
            ("proxy, kept alive", proxy_port, False),
            ("proxy, new connection", proxy_port, True),
        ]:
            calls(to, fresh, raw, 50)  # warm
            before = _cpu_seconds(proc.pid)
            walls = calls(to, fresh, raw, args.calls)
            cpu = (_cpu_seconds(proc.pid) - before) / args.calls * 1000
            p = statistics.quantiles(walls, n=10)
            print(
                f"{name:24s} {p[0]:5.1f} / {statistics.median(walls):5.1f} / {p[-1]:5.1f}"
                f"          {cpu:5.2f} ms"
            )
    finally:
        proxy.stop()
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
