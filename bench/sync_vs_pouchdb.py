"""Sync vs PouchDB: the same records through our server and PouchDB Server.

    python bench/sync_vs_pouchdb.py            # 100, 500, 2000 records, median of 5
    python bench/sync_vs_pouchdb.py --sizes 100 --runs 1   # a quick look
    python bench/sync_vs_pouchdb.py --shape note           # notes instead of task completions

The pushed records are task completions (`--shape task`, the default: a meal eaten in
full) or observation notes about the residents (`--shape note`: `note.add`, 60–200
characters of Vietnamese text each).

One run installs the pinned npm packages into bench/.work/ if missing, starts
`pouchdb-server --in-memory` and our server (uvicorn, one worker, PostgreSQL, Redis, DEBUG
off) on a fresh database, puts a counting proxy in front of each, and measures per size:
push (the device sends its records), echo (what that device gets back on its next sync),
pull (a fresh device downloads them) and a no-op sync (nothing new). It prints a table and
checks the targets of docs/performance.md. It is a benchmark, not a test: it prints, it does not
assert (exit code 1 only if a run went wrong, e.g. a record was not applied).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import in_venv  # noqa: F401, I001  first: the venv, the import path (sync.client, no Django)
import peers  # noqa: E402
from ours_client import Device, Outcome  # noqa: E402
from proxy import CountingProxy  # noqa: E402
from records import as_doc, as_event, make_notes, make_records  # noqa: E402
from report import render  # noqa: E402

SCENARIOS = ("push", "echo", "pull", "noop", "noop1")


@dataclass
class Measure:
    requests: int
    bytes: int
    ms: float
    items: int  # records applied / received


class Runner:
    def __init__(
        self,
        ours_proxy: CountingProxy,
        pouch_proxy: CountingProxy,
        pouch_port: int,
        pouch: peers.PouchDevice,
        profiler: Profiler | None,
        client: str,
        shape: str = "task",
    ) -> None:
        self.op, self.pp, self.pouch_port, self.pouch = ours_proxy, pouch_proxy, pouch_port, pouch
        self.profiler = profiler
        self.client = client
        self.shape = shape
        self.problems: list[str] = []
        self.noop_exchange: tuple[bytes, bytes] | None = None
        self.client_cpu: list[float] = []  # our client's own CPU per push, ms

    def device(self, seed: dict, role: str) -> Device:
        who = seed[role]
        if self.client == "thin":
            return Device(self.op.port, who["device_id"], who["token"])
        from ours_reference import RefDevice

        return RefDevice(self.op.port, who["device_id"], who["token"], seed["user_id"])  # type: ignore[return-value]

    def _ours(
        self, device: Device, events: list[dict] | None, label: str | None
    ) -> tuple[Measure, Outcome]:
        self.op.reset()
        with _profiled(self.profiler, label):
            out = device.sync(events)
        device.close()
        c = self.op.snapshot()
        if events is None and device.cursor is not None:
            self.noop_exchange = (bytes(c.raw_up), bytes(c.raw_down))
        applied = out.statuses.get("applied", 0)
        if out.first_problem:
            self.problems.append(f"{label or 'sync'}: first non-applied result {out.first_problem}")
        return Measure(c.requests, c.bytes_total, out.ms, applied if events else out.changes), out

    def _pouch(self, op: str, local: str, remote: str) -> Measure:
        self.pp.reset()
        answer = self.pouch.call(
            op=op, local=local, remote=f"http://127.0.0.1:{self.pp.port}/{remote}"
        )
        c = self.pp.snapshot()
        return Measure(
            c.requests,
            c.bytes_total,
            answer["ms"],
            answer["docs_written"] if op == "pull" else answer["docs_written"],
        )

    def run(self, seed: dict, profile: bool) -> dict[str, dict[str, Measure]]:
        size, run = seed["size"], seed["run"]
        pusher_id = seed["pusher"]["device_id"]
        if self.shape == "note":
            records = make_notes(seed["resident_ids"], size, pusher_id)
        else:
            records = make_records(seed["task_ids"], pusher_id)
        res: dict[str, dict[str, Measure]] = {"ours": {}, "pouch": {}}
        tag = f"{size}/{run}"

        pusher = self.device(seed, "pusher")
        pusher.sync()  # the phone already holds the task list: its cursor is current
        pusher.close()
        remote = f"b{size}-{run}-{secrets.token_hex(3)}"
        peers.pouch_create_db(self.pouch_port, remote)
        self.pouch.call(
            op="load", local=f"dev-{remote}", docs=[as_doc(r, pusher_id) for r in records]
        )

        label = "push" if profile else None
        res["ours"]["push"], pushed = self._ours(pusher, [as_event(r) for r in records], label)
        self.client_cpu.append(pushed.cpu_ms)
        if pushed.statuses != {"applied": size}:
            self.problems.append(f"{tag} push: results {pushed.statuses}, expected {size} applied")
        res["pouch"]["push"] = self._pouch("push", f"dev-{remote}", remote)

        res["ours"]["echo"], _ = self._ours(pusher, None, None)
        # The push's own answers carry a pull too: an echo there counts as well.
        res["ours"]["echo"].items += pushed.changes
        res["pouch"]["echo"] = self._pouch("pull", f"dev-{remote}", remote)

        puller = self.device(seed, "puller")
        res["ours"]["pull"], _ = self._ours(puller, None, "pull" if profile else None)
        res["pouch"]["pull"] = self._pouch("pull", f"fresh-{remote}", remote)
        # A fresh device pulls the tasks, and the notes pushed just before (ours only:
        # the peer's database holds only what was pushed to it).
        expected = {"ours": size * (2 if self.shape == "note" else 1), "pouch": size}
        for side in ("ours", "pouch"):
            if res[side]["pull"].items != expected[side]:
                self.problems.append(
                    f"{tag} pull ({side}): {res[side]['pull'].items} records,"
                    f" expected {expected[side]}"
                )

        res["ours"]["noop"], _ = self._ours(puller, None, None)
        # Our one call pushes and pulls; the peer's equivalent is db.sync() both ways. Its
        # first two-way sync still checks the pulled documents upward, so settle it first.
        res["pouch"]["noop1"] = self._pouch("pull", f"fresh-{remote}", remote)
        self.pouch.call(
            op="sync",
            local=f"fresh-{remote}",
            remote=f"http://127.0.0.1:{self.pouch_port}/{remote}",
        )
        res["pouch"]["noop"] = self._pouch("sync", f"fresh-{remote}", remote)
        res["ours"]["noop1"] = res["ours"]["noop"]
        if profile and self.profiler:
            # One no-op is too short to sample: profile 50 of them (not part of the figures).
            with self.profiler.around("noop50"):
                for _ in range(50):
                    puller.sync()
            puller.close()
        return res


@contextmanager
def _profiled(profiler: Profiler | None, label: str | None) -> Iterator[None]:
    if profiler is None or label is None:
        yield
        return
    with profiler.around(label):
        yield


def _py_spy() -> str:
    local = peers.WORK / "pytools" / "bin" / "py-spy"
    return (
        str(local) if local.exists() else "py-spy"
    )  # pip install --target bench/.work/pytools py-spy


class Profiler:
    """py-spy record on the uvicorn process around chosen steps (raw collapsed stacks)."""

    def __init__(self, pid: int, out_dir: Path) -> None:
        self.pid, self.out_dir = pid, out_dir
        out_dir.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def around(self, label: str) -> Iterator[None]:
        proc = subprocess.Popen(
            [
                _py_spy(),
                "record",
                "--pid",
                str(self.pid),
                "--rate",
                "250",
                "--format",
                "raw",
                "--output",
                str(self.out_dir / f"{label}.txt"),
                "--nonblocking",
                "--idle",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # let it attach before the measured step starts
        try:
            yield
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(30)


def medians(all_runs: list[dict[str, dict[str, Measure]]]) -> dict[str, dict[str, Measure]]:
    out: dict[str, dict[str, Measure]] = {}
    for side in ("ours", "pouch"):
        out[side] = {}
        for s in SCENARIOS:
            ms = [r[side][s] for r in all_runs]
            out[side][s] = Measure(
                int(statistics.median(m.requests for m in ms)),
                int(statistics.median(m.bytes for m in ms)),
                statistics.median(m.ms for m in ms),
                int(statistics.median(m.items for m in ms)),
            )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )

    def one_of(flag: str, values: tuple[str, ...], help: str) -> None:
        """An option with a few values, the first one the default."""
        parser.add_argument(flag, choices=values, default=values[0], help=help)

    parser.add_argument("--sizes", default="100,500,2000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--database", default="catruc_bench", help="PostgreSQL database to (re)create"
    )
    parser.add_argument(
        "--py-spy",
        metavar="DIR",
        help="profile the server with py-spy during the largest size's last push and pull",
    )
    one_of(
        "--client",
        ("reference", "thin"),
        "our device: sync/client/ (default) or the bare HTTP client of bench/ours_client.py",
    )
    parser.add_argument(
        "--show-noop",
        action="store_true",
        help="print our last no-op exchange as sent (headers, body size)",
    )
    one_of(
        "--shape",
        ("task", "note"),
        "what the push sends: task completions (default) or observation notes",
    )
    parser.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    parser.add_argument("--json", metavar="FILE", help="also write every run's figures as JSON")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    load_before = os.getloadavg()

    peers.npm_ensure()
    procs: list[subprocess.Popen] = []
    proxies: list[CountingProxy] = []
    pouch = None
    try:
        pouch_proc, pouch_port = peers.start_pouchdb_server()
        procs.append(pouch_proc)
        env = peers.ours_env(args.database)
        print(f"seeding {args.database}: {sizes} × {args.runs} runs …", flush=True)
        seeds = peers.ours_prepare(env, sizes, args.runs)
        uv_proc, uv_port = peers.start_uvicorn(env)
        procs.append(uv_proc)
        ours_proxy, pouch_proxy = CountingProxy(uv_port), CountingProxy(pouch_port)
        proxies += [ours_proxy, pouch_proxy]
        ours_proxy.start(), pouch_proxy.start()
        pouch = peers.PouchDevice()
        profiler = Profiler(uv_proc.pid, Path(args.py_spy)) if args.py_spy else None
        runner = Runner(
            ours_proxy, pouch_proxy, pouch_port, pouch, profiler, args.client, args.shape
        )
        results: dict[int, dict[str, dict[str, Measure]]] = {}
        every: dict[int, list] = {}
        for size in sizes:
            runs = [s for s in seeds if s["size"] == size]
            collected = []
            for seed in runs:
                profile = profiler is not None and size == max(sizes) and seed is runs[-1]
                collected.append(runner.run(seed, profile))
                r = collected[-1]
                print(
                    f"  {size:>5} run {seed['run'] + 1}: push {r['ours']['push'].ms:7.0f} ms vs "
                    f"{r['pouch']['push'].ms:7.0f} ms (our client's CPU"
                    f" {runner.client_cpu[-1]:.0f} ms), pull {r['ours']['pull'].ms:6.0f} vs "
                    f"{r['pouch']['pull'].ms:6.0f} ms",
                    flush=True,
                )
            results[size] = medians(collected)
            every[size] = [
                {side: {s: asdict(m) for s, m in r[side].items()} for side in r} for r in collected
            ]
        load_after = os.getloadavg()
        text, md = render(results, args.runs, load_before, load_after)
        print(f"push shape: {args.shape}")
        print(text)
        if args.markdown:
            Path(args.markdown).write_text(md)
        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {
                        "load_before": load_before,
                        "load_after": load_after,
                        "client": args.client,
                        "shape": args.shape,
                        "runs": every,
                    },
                    indent=1,
                )
            )
        if args.show_noop and runner.noop_exchange:
            for direction, raw in zip(
                ("device → server", "server → device"), runner.noop_exchange, strict=False
            ):
                head, _, body = raw.partition(b"\r\n\r\n")
                print(
                    f"--- {direction}: {len(raw)} B, headers {len(head) + 4} B, body {len(body)} B"
                )
                print(head.decode("latin-1"))
                if body[:2] == b"\x1f\x8b":
                    body = gzip.decompress(body)
                print(body.decode(errors="replace"))
        for problem in runner.problems:
            print("PROBLEM:", problem)
        return 1 if runner.problems else 0
    finally:
        if pouch is not None:
            pouch.close()
        for p in proxies:
            p.stop()
        for proc in reversed(procs):
            peers.stop(proc)


if __name__ == "__main__":
    sys.exit(main())
