"""`manage.py run_jobs`: the task worker, running every registered periodic job when due.

Why a small loop and not django-tasks: django-tasks 0.12 moved its database backend into a
separate package and has no periodic scheduler at all, so we would still need a loop like
this one on top of it. Every job is idempotent (server.care.jobs), so two workers, a crash
mid-run or a late run are harmless; the loop only has to call them on time and keep going.

Each run logs one JSON line: {"job", "status": "ok" | "error", "ms", "result" | "error"}.
A failing job is logged and retried at its next due time; it never stops the others.
"""

from __future__ import annotations

import json
import logging
import time
import traceback

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from server.care.jobs import Job, all_jobs
from server.observability import job_observed

log = logging.getLogger("catruc.jobs")


def _connections_refresh() -> None:
    # A worker lives for weeks: drop connections the database (or a restart) has closed.
    # Never inside an atomic block (a test, or a caller's transaction): that would close it.
    if not connection.in_atomic_block:
        close_old_connections()


def job_run(job: Job) -> dict:
    """Run one job, never raising: the outcome as a log record."""
    started = time.monotonic()
    _connections_refresh()
    try:
        result = job.run()
        record = {"job": job.name, "status": "ok", "result": result}
    except Exception as exc:  # one bad job must not stop the worker
        record = {
            "job": job.name,
            "status": "error",
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(limit=5),
        }
    finally:
        _connections_refresh()
    record["ms"] = round((time.monotonic() - started) * 1000)
    job_observed(record)  # /metrics: last run, status, duration
    return record


class Command(BaseCommand):
    help = "Chạy các việc định kỳ (tạo việc cần làm, quét việc quá hạn, ...)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="chạy mỗi việc một lần rồi thoát")

    def emit(self, record: dict) -> None:
        self.stdout.write(json.dumps(record, ensure_ascii=False, default=str))
        self.stdout.flush()

    def handle(self, *args, once: bool = False, **options):
        jobs = all_jobs()
        if once:
            failed = 0
            for job in jobs:
                record = job_run(job)
                failed += record["status"] != "ok"
                self.emit(record)
            if failed:
                # Non-zero exit so a cron / CI caller notices; every job still ran.
                raise SystemExit(1)
            return
        self.emit({"worker": "start", "jobs": {j.name: j.every_seconds for j in jobs}})
        due = {job.name: time.monotonic() for job in jobs}
        while True:
            now = time.monotonic()
            for job in jobs:
                if due[job.name] <= now:
                    self.emit(job_run(job))
                    # Scheduled from the end of the run: a slow run never piles up behind itself.
                    due[job.name] = time.monotonic() + job.every_seconds
            time.sleep(max(0.5, min(due.values()) - time.monotonic()) if due else 60)
