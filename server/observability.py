"""How the app is watched, set up once: the log configuration and the metrics. What runs on
each request (the request log and its formatters, the requests' and sync calls' counts) is in
server/middleware.py.

**Structured logs** (`logging_config`, for settings.py): one JSON object per line in
production, readable text in DEBUG, uvicorn's own loggers routed through the same handler.

**Prometheus metrics** at /metrics (errors go to Sentry through server/sentry.py). What is
counted, and where the few hooks sit:
- every HTTP request, by route and status, with a duration histogram, and sync calls by HTTP
  status with their own histogram (`MetricsMiddleware`, server/middleware.py);
- sync events by status (`sync_events_observed` there, on the sync view's
  `sync_call_answered`);
- open websockets by path (`SocketGauge`, around the websocket router in server/asgi.py);
- each periodic job's last run, status and duration (`job_observed`, in run_jobs);
- refusals of the login throttle (`login_throttled`, in server/accounts/throttle.py).

Several processes (uvicorn workers, the task worker) write to one directory when
PROMETHEUS_MULTIPROC_DIR is set, and /metrics sums them; without it each process counts
alone (fine for one worker; the task worker's jobs are then not visible). Labels are
routes, statuses and job names only: never ids, users or anything about a resident.

/metrics is for the monitoring on the machine: nginx lets only local addresses reach it,
and the view answers 404 to anyone but loopback, TRUSTED_PROXIES or a request carrying
METRICS_TOKEN (`Authorization: Bearer …`).
"""

from __future__ import annotations

import atexit
import hmac
import os
import time
from typing import Any

# prometheus-client reads the directory when it is imported and writes there at once: a
# missing one would stop the worker from starting. It goes multiprocess as soon as the
# variable exists, so an empty `PROMETHEUS_MULTIPROC_DIR=` line (off) would fill the
# working directory with its files: drop it.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
else:
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)


def logging_config(*, fmt: str, level: str) -> dict[str, Any]:
    """The LOGGING dict for settings.py: `fmt` is "json" or "text"."""
    formatter = "json" if fmt == "json" else "text"
    handler = {"class": "logging.StreamHandler", "formatter": formatter}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "server.middleware.JsonFormatter"},
            "text": {"()": "server.middleware.TextFormatter"},
        },
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # Uvicorn configures its own loggers before Django starts; route them through
            # ours so a worker's whole output is one format. Access lines come from
            # RequestLogMiddleware (with ids), so uvicorn's own are dropped in production.
            "uvicorn": {"handlers": ["console"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        },
    }


# The counts (/metrics).

SOCKET_PATHS = {"/ws/v1/live", "/ws/v1/dashboard"}
# Seconds: a sync call of 500 events may take a few seconds on a busy centre.
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

HTTP_REQUESTS = Counter(
    "catruc_http_requests", "HTTP requests answered by the app", ["route", "status"]
)
HTTP_DURATION = Histogram(
    "catruc_http_request_duration_seconds", "Time to answer, by route", ["route"], buckets=BUCKETS
)
SYNC_CALLS = Counter(
    "catruc_sync_calls", "Sync calls (POST /api/sync/v1), by HTTP status", ["status"]
)
SYNC_DURATION = Histogram(
    "catruc_sync_call_duration_seconds", "Time to answer a sync call", buckets=BUCKETS
)
SYNC_EVENTS = Counter("catruc_sync_events", "Events received in sync calls, by result", ["status"])
OPEN_SOCKETS = Gauge(
    "catruc_open_websockets", "Websockets open now", ["path"], multiprocess_mode="livesum"
)
JOB_RUNS = Counter("catruc_job_runs", "Periodic job runs", ["job", "status"])
JOB_DURATION = Histogram(
    "catruc_job_duration_seconds", "Time a periodic job ran", ["job"], buckets=BUCKETS
)
JOB_LAST_RUN = Gauge(
    "catruc_job_last_run_timestamp_seconds",
    "When a periodic job last finished (Unix time)",
    ["job"],
    multiprocess_mode="max",
)
JOB_LAST_DURATION = Gauge(
    "catruc_job_last_duration_seconds",
    "How long the last run of a periodic job took",
    ["job"],
    multiprocess_mode="mostrecent",
)
LOGIN_THROTTLED = Counter("catruc_login_throttled", "Logins refused by the throttle (429)")

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # This process's live gauges (open sockets) stop counting once it exits.
    atexit.register(multiprocess.mark_process_dead, os.getpid())


def job_observed(record: dict) -> None:
    job, seconds = record["job"], record["ms"] / 1000
    JOB_RUNS.labels(job, record["status"]).inc()
    JOB_DURATION.labels(job).observe(seconds)
    JOB_LAST_RUN.labels(job).set(time.time())
    JOB_LAST_DURATION.labels(job).set(seconds)


def login_throttled() -> None:
    LOGIN_THROTTLED.inc()


class SocketGauge:
    """ASGI wrapper around the websocket router: a socket counts from its accept to its end."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        gauge = OPEN_SOCKETS.labels(path if path in SOCKET_PATHS else "other")
        accepted = False

        async def counting_send(message: dict) -> None:
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                gauge.inc()
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            if accepted:
                gauge.dec()


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if hmac.compare_digest(sent.encode(), token.encode()):
            return True
    peer = request.META.get("REMOTE_ADDR", "")
    return peer in {"127.0.0.1", "::1"} or peer in settings.TRUSTED_PROXIES


def metrics_view(request: HttpRequest) -> HttpResponse:
    if request.method != "GET" or not _allowed(request):
        raise Http404  # as if it did not exist: nothing to probe from outside
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
