"""Periodic jobs, run by `manage.py run_jobs` (the task worker).

Every job must be idempotent: two workers, a restart mid-run or a late run are harmless.
Apps register with `job(name, every_seconds)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    run: Callable[[], object]


_JOBS: dict[str, Job] = {}


def job(name: str, every_seconds: int) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def decorator(fn: Callable[[], object]) -> Callable[[], object]:
        _JOBS[name] = Job(name, every_seconds, fn)
        return fn

    return decorator


def all_jobs() -> list[Job]:
    return [_JOBS[k] for k in sorted(_JOBS)]
