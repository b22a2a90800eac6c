"""The CPU of one sync call split by the engine's own phases (`push_cpu.py --phases`).

Each phase is a function of the call's path, timed in the request's thread
(`time.thread_time`) by a wrapper set on it for the bench only. A phase's figure is its
*own* time: what a phase nested in it spent is that phase's (the handler's figure leaves
out the change data it builds, and the deferred rows its first statement writes), so the
phases and the rest ("other": Django, Ninja, middleware, pydantic's envelope, what no
phase names) add up to the call's CPU. Work another thread does for the call (the channel
layer's sends, on the event loop `async_to_sync` hands them to) is in no figure.

The wrappers cost CPU themselves (two clock reads and a frame per timed call; a push of 500
completions makes ~2,000 such calls): the table estimates that cost from the calls counted
and a calibration (`TIMERS`), and leaves it out of "other", so the figures add up to the
call's CPU as timed. Compare phases between runs made with `--phases`, not with a run without.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

# In the order a call meets them: (label, where the function lives, its name there). Names
# a module imported from another are set where the caller looks them up. Per event, only
# four are timed (each timed call costs ~2 µs of clock reads): the engine's decision around
# the handler, the handler, the change data it builds, and the envelope checks.
PHASES: tuple[tuple[str, str, str], ...] = (
    ("bearer check", "server.accounts.services:SyncTokenAuth", "authenticate"),
    ("throttle", "sync.api", "sync_throttle"),
    ("body parse", "sync.api", "body_parse"),
    ("scope, cursor", "sync.service", "_cursor_for"),
    ("streams lock", "sync.service", "streams_lock"),
    ("envelope checks (event_problem)", "sync.push", "event_problem"),
    ("event log lookup (logged)", "sync.push", "logged"),
    ("preload: args validation", "sync.push:Pusher", "_preload"),
    ("preload: domain preloader", "sync.registry", "_preloaders"),
    ("decide: digest, clock, result, log row", "sync.push:Pusher", "_decide"),
    ("handler (domain rules)", "sync.registry", "_handlers"),
    ("change data (synced type)", "sync.types:SyncedType", "change"),
    ("deferred rows written", "sync.deferred:DeferredWrites", "flush"),
    ("change log written", "sync.changes:ChangeWriter", "flush"),
    ("event log written", "sync.push", "rows_insert"),
    ("pull", "sync.service", "changes_pull"),
    ("commit", "django.db.backends.postgresql.base:DatabaseWrapper", "commit"),
    ("on commit hooks", "sync.registry", "_after_commit_hooks"),
    ("answered signal", "sync.api:sync_call_answered", "send"),
    ("response JSON", "sync.api", "json_response"),
)
OTHER = "other (Django, Ninja, middleware, envelope)"
TIMERS = "the timers themselves (estimated)"


class PhaseTimer:
    """Own CPU per phase label, in one thread (the one that installed the wrappers)."""

    def __init__(self) -> None:
        self.own: dict[str, float] = {}
        self._nested: list[float] = []
        self._thread = threading.get_ident()
        self.per_call = 0.0
        self.per_call = self._calibrate()

    def clear(self) -> None:
        self.own = {}

    def _calibrate(self) -> float:
        """ms one timed call adds to a call's CPU (its wrapper), median of a few batches."""
        noop = self.wrap("calibration", lambda: None)
        costs = []
        for _ in range(5):
            start = time.thread_time()
            for _ in range(2000):
                noop()
            timed = time.thread_time() - start
            start = time.thread_time()
            for _ in range(2000):
                (lambda: None)()
            costs.append((timed - (time.thread_time() - start)) / 2000 * 1000)
        self.own.clear()
        return max(0.0, statistics.median(costs))

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if threading.get_ident() != self._thread:
                return fn(*args, **kwargs)
            start = time.thread_time()
            self._nested.append(0.0)
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.thread_time() - start
                nested = self._nested.pop()
                self.own[label] = self.own.get(label, 0.0) + (spent - nested) * 1000
                self.own[TIMERS] = self.own.get(TIMERS, 0.0) + self.per_call
                if self._nested:
                    self._nested[-1] += spent

        timed.__wrapped__ = fn  # type: ignore[attr-defined]
        return timed


def _owner(where: str) -> Any:
    import importlib

    module, _, attribute = where.partition(":")
    owner = importlib.import_module(module)
    for part in filter(None, attribute.split(".")):
        owner = getattr(owner, part)
    return owner


def install(timer: PhaseTimer) -> None:
    """Set the timer's wrapper on every phase (the handler and preloader registries and the
    commit hooks: each entry of theirs)."""
    for label, where, name in PHASES:
        owner = _owner(where)
        current = getattr(owner, name)
        if name == "_handlers":
            for key, registration in current.items():
                current[key] = replace(
                    registration, handler=timer.wrap(label, registration.handler)
                )
        elif name == "_preloaders":
            for key, preload in current.items():
                current[key] = timer.wrap(label, preload)
        elif name == "_after_commit_hooks":
            current[:] = [timer.wrap(label, hook) for hook in current]
        elif isinstance(owner, type):
            # The function itself (maybe inherited), so that instances bind the wrapper.
            setattr(owner, name, timer.wrap(label, owner.__dict__.get(name, current)))
        else:
            setattr(owner, name, timer.wrap(label, current))


def table(totals: list[float], runs: list[dict[str, float]]) -> str:
    """Median ms per phase over the runs, largest first, and its share of the median call's
    CPU; the rest of each run (its CPU less its phases and the timers' cost) is "other"."""
    total = statistics.median(totals)
    per_run = [
        {**own, OTHER: cpu - sum(own.values())} for cpu, own in zip(totals, runs, strict=True)
    ]
    medians = {
        label: statistics.median(run.get(label, 0.0) for run in per_run)
        for label in dict.fromkeys(label for label, _, _ in PHASES)
    }
    lines = [f"  {'phase':<44} {'ms':>7} {'share':>6}"]
    for label, median in sorted(medians.items(), key=lambda kv: -kv[1]):
        if median >= 0.05:
            lines.append(f"  {label:<44} {median:7.1f} {median / total:6.1%}")
    for label in (OTHER, TIMERS):
        median = statistics.median(run.get(label, 0.0) for run in per_run)
        lines.append(f"  {label:<44} {median:7.1f} {median / total:6.1%}")
    lines.append(f"  {'call (median CPU, timers on)':<44} {total:7.1f} {1:6.1%}")
    return "\n".join(lines)
