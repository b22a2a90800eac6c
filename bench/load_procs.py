"""CPU and memory of the stack's processes during a load run, read from /proc.

CPU is counted with reaped children (cutime/cstime), so PostgreSQL's short-lived backends
(one connection per request) are all in the postmaster's figure. Memory is the peak of the
summed PSS (proportional set size: shared pages split between the processes sharing them)
of each process and its children, sampled every second.

The postmaster's figure holds every database of the machine (other people's test runs
too), so the backends serving the benchmark's own database are also counted alone
("postgresql (this database)"): their pids are read from pg_stat_activity every second and
the CPU of each is its last reading less its reading at the start (0 for a backend that
started during the run). A backend that ends between two readings loses at most a second
of its CPU; with the workers' connection pool, backends live for the whole run.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
SELF = "load generator"


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw.rsplit(") ", 1)[1].split()  # fields from 3 (state) on


def _children(pid: int) -> list[int]:
    try:
        out = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(x) for x in (task / "children").read_text().split()]
        return out
    except OSError:
        return []


def _cpu_ticks(pid: int, *, tree: bool = True) -> int:
    """Own CPU, and with `tree` reaped and live children's CPU (recursively)."""
    fields = _stat(pid)
    if fields is None:
        return 0
    utime, stime, cutime, cstime = (int(fields[i]) for i in (11, 12, 13, 14))
    if not tree:
        return utime + stime
    return utime + stime + cutime + cstime + sum(_cpu_ticks(c) for c in _children(pid))


def _pss_kb(pid: int, *, tree: bool = True) -> int:
    total = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total = int(line.split()[1])
                break
    except OSError:
        return 0
    return total + (sum(_pss_kb(c) for c in _children(pid)) if tree else 0)


def _find(comm: str) -> list[int]:
    """Top processes named `comm` (whose parent has another name): PostgreSQL's postmaster."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name = (entry / "comm").read_text().strip()
            if name != comm:
                continue
            parent = int(_stat(int(entry.name))[1])
            if Path(f"/proc/{parent}/comm").read_text().strip() != comm:
                found.append(int(entry.name))
        except (OSError, TypeError, IndexError):
            continue
    return found


OWN_DB = "postgresql (this database)"


class BackendMeter:
    """CPU ticks of the PostgreSQL backends connected to one database."""

    def __init__(self, database_url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(database_url, autocommit=True)
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.lock = threading.Lock()

    def _pids(self) -> list[int]:
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        ).fetchall()
        return [r[0] for r in rows]

    def read(self, *, baseline: bool = False) -> None:
        with self.lock:
            for pid in self._pids():
                ticks = _cpu_ticks(pid, tree=False)
                if baseline:
                    self.first[pid] = ticks
                self.first.setdefault(pid, 0)
                self.last[pid] = max(self.last.get(pid, 0), ticks)

    def ticks(self) -> int:
        return sum(self.last[p] - self.first[p] for p in self.last)

    def close(self) -> None:
        self.conn.close()


class ProcessMeter:
    def __init__(self, groups: dict[str, int], backends: BackendMeter | None = None) -> None:
        self.groups = groups
        self.backends = backends
        self.cpu_start: dict[str, int] = {}
        self.cpu_end: dict[str, int] = {}
        self.peak_kb: dict[str, int] = dict.fromkeys(groups, 0)
        self.started = self.stopped = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_stack(cls, processes: list[dict], database: str = "") -> ProcessMeter:
        groups = {p["name"]: p["pid"] for p in processes}
        for name, comm in (("postgresql (all databases)", "postgres"), ("redis", "redis-server")):
            pids = _find(comm)
            if pids:
                groups[name] = pids[0]
        # Itself only: the local stack it started is its child, counted above.
        groups[SELF] = os.getpid()
        return cls(groups, BackendMeter(database) if database else None)

    def _sample(self) -> None:
        while not self._stop.wait(1.0):
            if self.backends is not None:
                self.backends.read()
            for name, pid in self.groups.items():
                self.peak_kb[name] = max(self.peak_kb[name], _pss_kb(pid, tree=name != SELF))

    def start(self) -> None:
        self.started = time.monotonic()
        self.cpu_start = {n: _cpu_ticks(p, tree=n != SELF) for n, p in self.groups.items()}
        if self.backends is not None:
            self.backends.read(baseline=True)
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.cpu_end = {n: _cpu_ticks(p, tree=n != SELF) for n, p in self.groups.items()}
        self.stopped = time.monotonic()
        self._stop.set()
        if self._thread:
            self._thread.join()
        if self.backends is not None:
            self.backends.read()
            self.backends.close()

    def report(self) -> dict[str, dict[str, float]]:
        wall = max(self.stopped - self.started, 1e-9)
        out = {}
        for name in self.groups:
            cpu = (self.cpu_end.get(name, 0) - self.cpu_start.get(name, 0)) / TICK
            out[name] = {
                "cpu_s": round(cpu, 1),
                "cpu_pct_of_one_core": round(100 * cpu / wall, 1),
                "peak_pss_mb": round(self.peak_kb[name] / 1024, 1),
            }
        if self.backends is not None:
            cpu = self.backends.ticks() / TICK
            out[OWN_DB] = {
                "cpu_s": round(cpu, 1),
                "cpu_pct_of_one_core": round(100 * cpu / wall, 1),
                "backends": len(self.backends.last),
            }
        return out
