"""The table of bench/sync_vs_pouchdb.py and the check against the targets of docs/performance.md.

1 KB here is 1,000 bytes (the stricter reading of "≤ 250 KB").
"""

from __future__ import annotations

import platform
import subprocess
from datetime import datetime
from typing import Any

# figure -> (max requests, exact?, max bytes, max time ratio); checked on the largest size.
TARGETS = {
    "push": (4, False, 250_000, 0.5),
    "pull": (2, False, 150_000, 0.5),
    "noop": (1, True, 600, 0.3),
}
LABELS = {
    "push": "push",
    "echo": "echo to the pusher",
    "pull": "pull (fresh device)",
    "noop": "no-op sync",
    "noop1": "no-op, peer pulling only",
}


def _kb(n: int) -> str:
    return f"{n} B" if n < 10_000 else f"{n / 1000:.1f} KB"


def _checks(figure: str, ours: Any, peer: Any) -> list[tuple[str, bool]]:
    if figure == "echo":
        return [(f"{ours.items} changes back (target none)", ours.items == 0)]
    max_req, exact, max_bytes, max_ratio = TARGETS[figure]
    ratio = ours.ms / peer.ms if peer.ms else float("inf")
    req_ok = ours.requests == max_req if exact else ours.requests <= max_req
    return [
        (f"requests {ours.requests} ({'=' if exact else '≤'} {max_req})", req_ok),
        (f"bytes {_kb(ours.bytes)} (≤ {_kb(max_bytes)})", ours.bytes <= max_bytes),
        (f"time {ratio:.2f}× peer (≤ {max_ratio}×)", ratio <= max_ratio),
    ]


def _machine(load_before: tuple, load_after: tuple) -> str:
    try:
        cpus = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        cpus = "?"
    fmt = lambda load: ", ".join(f"{x:.2f}" for x in load)  # noqa: E731
    return (
        f"{datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, {cpus} CPUs, Python {platform.python_version()}; "
        f"load average (1, 5, 15 min) before {fmt(load_before)}, after {fmt(load_after)}"
    )


def render(
    results: dict[int, dict[str, dict[str, Any]]], runs: int, load_before: tuple, load_after: tuple
) -> tuple[str, str]:
    header = [
        "figure",
        "requests ours / peer",
        "bytes on the wire ours / peer",
        "wall time ours / peer",
        "time ratio",
    ]
    rows: list[list[str]] = []
    for size, res in sorted(results.items()):
        for figure in ("push", "pull", "noop", "noop1", "echo"):
            o, p = res["ours"][figure], res["pouch"][figure]
            ratio = f"{o.ms / p.ms:.2f}×" if p.ms else "–"
            label = f"{LABELS[figure]} {size}"
            if figure == "echo":
                label += f" ({o.items} changes)"
            rows.append(
                [
                    label,
                    f"{o.requests} / {p.requests}",
                    f"{_kb(o.bytes)} / {_kb(p.bytes)}",
                    f"{o.ms:.0f} ms / {p.ms:.0f} ms",
                    ratio,
                ]
            )
    largest = max(results)
    checks = []
    for figure in ("push", "pull", "noop", "echo"):
        res = results[largest]
        for text, ok in _checks(figure, res["ours"][figure], res["pouch"][figure]):
            checks.append(f"{'PASS' if ok else 'MISS'}  {LABELS[figure]} {largest}: {text}")
    machine = _machine(load_before, load_after)

    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False))  # noqa: E731
    text = "\n".join(
        [
            "",
            f"Sync vs PouchDB — median of {runs} runs; ours = uvicorn + PostgreSQL, peer = pouchdb-server 4.2.0",
            line(header),
            line(["-" * w for w in widths]),
            *map(line, rows),
            "",
            f"Targets (docs/performance.md, size {largest}):",
            *checks,
            "",
            f"Machine: {machine}",
        ]
    )
    md = "\n".join(
        [
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
            *("| " + " | ".join(r) + " |" for r in rows),
            "",
            *(f"- {c}" for c in checks),
            "",
            f"Machine: {machine}.",
            "",
        ]
    )
    return text, md
