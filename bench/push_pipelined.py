"""Would pipelined calls shorten a push? A push of `size` task completions, 500 per call,
sent one call after another (as every client does) and with two calls in flight at a time
(the next call sent while the previous one is answered), against uvicorn with 1 or 2 workers.

An upper bound, not a protocol: here the two calls in flight may reach the facility's lock in
either order, which a real client must not allow (a device's events are decided in its
order). If even this bound shows no gain, pipelining with an order the server enforces gains
nothing either. Each run is a fresh facility (`ours_setup.seed_one`) whose tasks the device
has pulled first, so every call is 500 first completions and every answer pulls nothing.
The two ways alternate run by run on the same server.

Usage: python bench/push_pipelined.py [--workers 1,2] [--runs 5] [--size 2000]
                                      [--database catruc_pipelined]
(the database is dropped and recreated; the throttle is lifted for the run).
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import statistics
import threading
import time
from typing import Any

import in_venv  # noqa: F401  first: the venv, the import path
import peers
import records

from deploy.web_process import web_start

CALL = 500


class Phone:
    """The pushing device of one seeded facility, on its own kept-alive connections."""

    def __init__(self, port: int, seed: dict[str, Any]) -> None:
        self.port = port
        self.device = seed["pusher"]
        self.lines = [http.client.HTTPConnection("127.0.0.1", port) for _ in range(2)]
        self.cursor = None
        answer = self.post(0, [])
        while True:
            self.cursor = answer["cursor"]
            if not answer.get("more"):
                break
            answer = self.post(0, [])
        events = [
            records.as_event(r)
            for r in records.make_records(seed["task_ids"], self.device["device_id"])
        ]
        self.calls = [events[i : i + CALL] for i in range(0, len(events), CALL)]

    def post(self, line: int, events: list[dict[str, Any]]) -> dict[str, Any]:
        body = {
            "protocol": 1,
            "device_id": self.device["device_id"],
            "cursor": self.cursor,
            "events": events,
        }
        conn = self.lines[line]
        conn.request(
            "POST",
            "/api/sync/v1",
            gzip.compress(json.dumps(body).encode(), 6),
            {
                "Authorization": f"Bearer {self.device['token']}",
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
            },
        )
        response = conn.getresponse()
        answer = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {answer.get('code')}")
        refused = [r for r in answer["results"] if r["status"] != "applied"]
        if refused:
            raise RuntimeError(f"not applied: {refused[0]}")
        return answer

    def one_by_one(self) -> float:
        started = time.perf_counter()
        for events in self.calls:
            self.cursor = self.post(0, events)["cursor"]
        return (time.perf_counter() - started) * 1000

    def two_in_flight(self) -> float:
        started = time.perf_counter()
        threads: list[threading.Thread] = []
        for i, events in enumerate(self.calls):
            if i >= 2:
                threads[i - 2].join()  # the line is free again
            thread = threading.Thread(target=self.post, args=(i % 2, events))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
        return (time.perf_counter() - started) * 1000

    def close(self) -> None:
        for conn in self.lines:
            conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--database", default="catruc_pipelined")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    env = peers.ours_env(args.database)
    env["SYNC_RATE_LIMIT"] = "0"
    seeds = iter(peers.ours_prepare(env, [args.size], args.runs * 2 * len(workers)))
    print(f"push of {args.size}, {CALL} a call; load average {os.getloadavg()[0]:.1f}")
    for count in workers:
        proc, port = web_start(
            env,
            options=["--workers", str(count), "--no-access-log", "--log-level", "warning"],
            ready_path="/api/sync/v1",
            timeout=60,
        )
        try:
            sequential, pipelined = [], []
            for _ in range(args.runs):
                for way, out in (("one_by_one", sequential), ("two_in_flight", pipelined)):
                    phone = Phone(port, next(seeds))
                    out.append(getattr(phone, way)())
                    phone.close()
            one, two = statistics.median(sequential), statistics.median(pipelined)
            print(
                f"  {count} worker(s): one call at a time {one:6.0f} ms, two in flight "
                f"{two:6.0f} ms ({two / one:.2f}×); runs "
                f"{' '.join(f'{s:.0f}/{p:.0f}' for s, p in zip(sequential, pipelined, strict=True))}"
            )
        finally:
            proc.terminate()
            proc.wait()
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
