"""Summarise a py-spy raw (collapsed) profile: where the server's time goes.

    python bench/spy_summary.py bench/.work/prof/push.txt [--top 25] [--match sync/,server/]
Prints the share of samples per leaf function (self time) and, for frames in our own code
(or any path containing one of --match), the inclusive share.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

IDLE_LEAVES = {
    "Condition.wait",
    "Connection.wait",
    "EpollSelector.select",
    "Queue.get",
    "Runner.run",
    "_worker",
    "select",
}
FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>.*?)(?::(?P<line>\d+))?\)$")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", default="sync/,server/")
    args = parser.parse_args()
    own: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    total = 0
    marks = [m for m in args.match.split(",") if m]
    with open(args.path) as fh:
        lines = fh.readlines()
    for line in lines:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        names = []
        for f in frames:
            m = FRAME.match(f)
            names.append((m["func"], m["file"]) if m else (f, ""))
        # Idle threads (the event loop waiting) are not the server working.
        if any(n_[0] in ("select", "_worker") and "selectors" in n_[1] for n_ in names[-1:]):
            continue
        # With idle samples (`--idle`): a thread waiting outside our code (an unused executor
        # thread, the connection pool's workers) is not the server working either; a wait
        # under a request (PostgreSQL, Redis) is kept.
        if names[-1][0] in IDLE_LEAVES and not any(
            any(m in file for m in marks) for _, file in names
        ):
            continue
        total += n
        leaf = names[-1]
        own[f"{leaf[0]} ({leaf[1].split('site-packages/')[-1]})"] += n
        seen = set()
        for func, file in names:
            if any(m in file for m in marks) or "django/db" in file or "psycopg" in file:
                key = f"{func} ({file.split('site-packages/')[-1].split('/work/main/')[-1]})"
                if key not in seen:
                    incl[key] += n
                    seen.add(key)
    print(f"{total} samples")
    print("\nself time:")
    for k, v in own.most_common(args.top):
        print(f"  {100 * v / total:5.1f}%  {k}")
    print("\ninclusive (our code, django.db, psycopg):")
    for k, v in incl.most_common(args.top * 2):
        print(f"  {100 * v / total:5.1f}%  {k}")


if __name__ == "__main__":
    main()
