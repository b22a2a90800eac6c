"""What a request leaves behind: its log lines and its counts.

**Structured logs**: one JSON object per line in production, readable text in DEBUG.

Every line written while a request is being served carries its request id (from nginx's
X-Request-ID, or made here), and the access line at the end carries the user and device
behind the token. Identifiers only: resident names, medicines, notes and event arguments
are never logged (docs/domain.md, "Personal data"). Callers pass ids through `extra={...}`.

**Prometheus metrics** at /metrics (errors go to Sentry through server/sentry.py). What is
counted, and where the few hooks sit:
- every HTTP request, by route and status, with a duration histogram (MetricsMiddleware);
  sync calls by HTTP status with their own histogram (the same middleware);
- sync events by status (`sync_events_observed`, on the sync view's `sync_call_answered`);
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
import json
import logging
import os
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
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

from server.middleware import AroundViewMiddleware

request_id_var: ContextVar[str | None] = ContextVar("catruc_request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=`. Also left
# out: uvicorn's ANSI duplicate of the message, and django.request's `request` object (its
# repr carries the query string).
_STANDARD = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
    "request",
}
# A client-supplied id is echoed into logs and headers: keep it short and inert.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

access_log = logging.getLogger("catruc.request")


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, request_id and the extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        entry.update(_extras(record))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """For a person at a terminal: time, level, logger, message, then key=value extras."""

    def format(self, record: logging.LogRecord) -> str:
        extras = _extras(record)
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id and "request_id" not in extras:
            extras = {"request_id": request_id, **extras}
        stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        line = f"{stamp} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if extras:
            line += "  " + " ".join(f"{k}={v}" for k, v in extras.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def request_id_from(header: str | None) -> str:
    if header and _SAFE_ID.match(header):
        return header
    return uuid.uuid4().hex


def _who(request: Any) -> dict[str, str]:
    # Ninja sets request.auth to the Identity once the token checked out.
    identity = getattr(request, "auth", None)
    user = getattr(identity, "user", None)
    out: dict[str, str] = {}
    if user is not None:
        out["user_id"] = str(user.pk)
    device_id = getattr(identity, "device_id", None)
    if device_id is not None:
        out["device_id"] = str(device_id)
    return out


def _access(request: Any, status: int, started: float) -> None:
    access_log.info(
        "%s %s %s",
        request.method,
        request.path,
        status,
        extra={
            "request_id": getattr(request, "request_id", None),
            "method": request.method,
            "path": request.path,  # never the query string: it may hold a token
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            **_who(request),
        },
    )


class RequestLogMiddleware(AroundViewMiddleware):
    """Give each request an id (X-Request-ID in and out) and write one access line."""

    def before(self, request: Any) -> tuple[str, Any, float]:
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        return request_id, request_id_var.set(request_id), time.perf_counter()

    def after(self, request: Any, response: Any, state: tuple[str, Any, float]) -> Any:
        request_id, _, started = state
        response["X-Request-ID"] = request_id
        _access(request, response.status_code, started)
        return response

    def done(self, state: tuple[str, Any, float]) -> None:
        request_id_var.reset(state[1])


def logging_config(*, fmt: str, level: str) -> dict[str, Any]:
    """The LOGGING dict for settings.py: `fmt` is "json" or "text"."""
    formatter = "json" if fmt == "json" else "text"
    handler = {"class": "logging.StreamHandler", "formatter": formatter}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "server.observability.JsonFormatter"},
            "text": {"()": "server.observability.TextFormatter"},
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

SYNC_PATH = "/api/sync/v1"
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


def sync_events_observed(sender: Any, body: dict, **kwargs: Any) -> None:
    for result in body.get("results", ()):
        SYNC_EVENTS.labels(str(result.get("status"))).inc()


def job_observed(record: dict) -> None:
    job, seconds = record["job"], record["ms"] / 1000
    JOB_RUNS.labels(job, record["status"]).inc()
    JOB_DURATION.labels(job).observe(seconds)
    JOB_LAST_RUN.labels(job).set(time.time())
    JOB_LAST_DURATION.labels(job).set(seconds)


def login_throttled() -> None:
    LOGIN_THROTTLED.inc()


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return "/" + match.route if match is not None and match.route else "unmatched"


def _observe(request: HttpRequest, status: int, started: float) -> None:
    seconds = time.perf_counter() - started
    route = _route(request)
    HTTP_REQUESTS.labels(route, str(status)).inc()
    HTTP_DURATION.labels(route).observe(seconds)
    if request.path == SYNC_PATH and request.method == "POST":
        SYNC_CALLS.labels(str(status)).inc()
        SYNC_DURATION.observe(seconds)


class MetricsMiddleware(AroundViewMiddleware):
    """Counts and times every request (by route pattern, so ids never become labels), and
    the events of each sync call by their result."""

    def __init__(self, get_response: Any) -> None:
        super().__init__(get_response)
        # Connected here, once the apps are loaded: settings.py imports this module for the
        # log setup, before sync.api (which reads the models) can be imported.
        from sync.api import sync_call_answered

        sync_call_answered.connect(sync_events_observed, dispatch_uid="catruc-sync-events")

    def before(self, request: HttpRequest) -> float:
        return time.perf_counter()

    def after(self, request: HttpRequest, response: Any, started: float) -> Any:
        _observe(request, response.status_code, started)
        return response


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
