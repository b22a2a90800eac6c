"""The engine's own per-event pieces of a 500-event push, before and after, in one process.

Times what `sync/edge.py` and `sync/protocol.py` do to a body of 500 `task.complete` events
(median of 30): reading the body, the hostile-input checks, the payload digest with the
args' JSON the event log stores. `--old DIR` is a checkout of the tree before (`git archive
<commit> | tar -x -C DIR`): its `sync/edge.py` and `payload_hash` are timed beside ours.

    python bench/edge_pieces.py --old /tmp/before
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sync import edge  # noqa: E402
from sync.protocol import args_canonical, payload_digest, payload_hash  # noqa: E402


def load(path: Path, name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def median_ms(work, runs: int = 30) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", type=Path, required=True)
    old = load(parser.parse_args().old / "sync" / "edge.py", "old_edge")
    device = str(uuid.uuid4())
    events = [
        {
            "id": str(uuid.uuid4()),
            "device_seq": i + 1,
            "name": "task.complete",
            "at": "2026-11-30T07:12:03+07:00",
            "hlc": f"1795392723000-{i:04d}-3f2a9c1b",
            "args": {"task_id": str(uuid.uuid4()), "outcome": "done", "details": {"portion": 100}},
        }
        for i in range(500)
    ]
    body = json.dumps({"protocol": 1, "device_id": device, "events": events}).encode()
    raw = edge.body_parse(body)["events"]

    def digest_old() -> None:
        for e in raw:
            payload_hash(
                name=e["name"], args=e["args"], at=e["at"], device_id=device,
                device_seq=e["device_seq"],
            )  # fmt: skip
            json.dumps(e["args"])  # what the event log's COPY encoded separately

    def digest_new() -> None:
        for e in raw:
            payload_digest(
                name=e["name"], args_json=args_canonical(e["args"]), at=e["at"],
                device_id=device, device_seq=e["device_seq"],
            )  # fmt: skip

    rows = [
        ("read the body", lambda: old.body_parse(body), lambda: edge.body_parse(body)),
        (
            "hostile-input checks",
            lambda: [old.event_problem(e) for e in raw],
            lambda: [edge.event_problem(e) for e in raw],
        ),
        ("payload digest + args JSON", digest_old, digest_new),
    ]
    for label, before, after in rows:
        print(f"{label:28} before {median_ms(before):6.2f} ms   after {median_ms(after):6.2f} ms")


if __name__ == "__main__":
    main()
