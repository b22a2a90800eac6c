"""What runs around every request: the project's middleware, and the format of the lines it
logs. What runs at start-up or apart from requests (the log setup, the metrics themselves,
/metrics, the sockets' gauge, the jobs' counts) is in server/observability.py.

**One shape under WSGI and ASGI** (`AroundViewMiddleware`). Django calls a middleware either
synchronously or, under uvicorn, as a coroutine; writing both paths by hand in every
middleware let them drift. A subclass says what happens around the view (`before`, `after`,
and `done`, which runs even when the view raised), and the base runs it on whichever path
Django chose. The request log and the metrics are built on it.

**Lean sync answers** (`LeanSyncHeadersMiddleware`). A phone makes a no-op sync every few
minutes on a metered link, and headers were 71 % of it (docs/performance.md). Framing,
referrer, opener and language headers protect or describe documents a browser renders; the
sync answer is JSON read by fetch() from a POST, which no cache stores, so `Vary` is moot too.
`X-Content-Type-Options: nosniff` stays. `X-Request-ID` is echoed on a sync answer only when
the phone sent one (to tie its own report to the server's log line); the id the server makes
up for a phone that sent none still goes into that log line, but not back over the link (48
bytes of a ~600-byte no-op). This middleware is therefore the outermost one: the request log
sets the header inside it.

**Content-Security-Policy** (`ContentSecurityPolicyMiddleware`) for the pages a browser
renders: the PWA, the dashboard, reports. Each of them loads only its own files: no inline or
third-party script, so an injected `<script>` or event handler in a resident's name cannot
run, and nothing can frame them. Inline `style="…"` attributes stay allowed (style-src-attr):
the app sets a progress bar's width that way, and a style attribute cannot run code. The
printable report keeps its one `<style>` block and its print link (its hash, under
'unsafe-hashes') and loads nothing else. The admin (Django's own inline scripts) and the JSON
API are left alone.

**The request log** (`RequestLogMiddleware`). Every line written while a request is being
served carries its request id (from nginx's X-Request-ID, or made here), and the access line
at the end carries the user and device behind the token. Identifiers only: resident names,
medicines, notes and event arguments are never logged (docs/domain.md, "Personal data").
Callers pass ids through `extra={...}`. One JSON object per line in production
(`JsonFormatter`), readable text in DEBUG (`TextFormatter`): the formatters are here because
they write every line a request leaves, its id included.

**The counts** (`MetricsMiddleware`): every HTTP request by route and status, with a
duration histogram; sync calls by HTTP status with their own histogram; the events of each
sync call by their result (`sync_events_observed`). The metrics are declared, and served at
/metrics, by server/observability.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse

from server.observability import (
    HTTP_DURATION,
    HTTP_REQUESTS,
    SYNC_CALLS,
    SYNC_DURATION,
    SYNC_EVENTS,
)


class AroundViewMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def before(self, request: Any) -> Any:
        """Runs before the view; what it returns is handed to `after` and `done`."""
        return None

    def after(self, request: Any, response: Any, state: Any) -> Any:
        return response

    def done(self, state: Any) -> None:
        """Runs last, whether the view answered or raised."""

    def __call__(self, request: Any) -> Any:
        if self.is_async:
            return self._acall(request)
        state = self.before(request)
        try:
            return self.after(request, self.get_response(request), state)
        finally:
            self.done(state)

    async def _acall(self, request: Any) -> Any:
        state = self.before(request)
        try:
            return self.after(request, await self.get_response(request), state)
        finally:
            self.done(state)


SYNC_PREFIX = "/api/sync/"
DOCUMENT_ONLY = (
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Content-Language",
    "Vary",
)


class LeanSyncHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(SYNC_PREFIX):
            for name in DOCUMENT_ONLY:
                if name in response:
                    del response[name]
            if "X-Request-ID" not in request.headers and "X-Request-ID" in response:
                del response["X-Request-ID"]
        return response


HEADER = "Content-Security-Policy"
PRINT_LINK = "javascript:print()"


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


COMMON = (
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
)

APP_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        # 'self' covers the same-origin ws:// and wss:// of the live socket (CSP level 3).
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        *COMMON,
    )
)

REPORT_POLICY = "; ".join(
    (
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        f"script-src 'unsafe-hashes' {_hash(PRINT_LINK)}",
        "img-src 'self' data:",
        "form-action 'self'",  # the papers' login, logout and day pickers
        *COMMON,
    )
)

POLICIES = (
    ("/app/", APP_POLICY),
    ("/dashboard/", APP_POLICY),
    ("/reports/", REPORT_POLICY),
)


def policy_for(path: str) -> str | None:
    for prefix, policy in POLICIES:
        if path.startswith(prefix):
            return policy
    return None


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = policy_for(request.path)
        if policy is not None and HEADER not in response:
            response[HEADER] = policy
        return response


# The request log.

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


# The counts.

SYNC_PATH = "/api/sync/v1"


def sync_events_observed(sender: Any, body: dict, **kwargs: Any) -> None:
    for result in body.get("results", ()):
        SYNC_EVENTS.labels(str(result.get("status"))).inc()


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
        # Connected here, once the apps are loaded: the log setup imports this module for its
        # formatters, before sync.api (which reads the models) can be imported.
        from sync.api import sync_call_answered

        sync_call_answered.connect(sync_events_observed, dispatch_uid="catruc-sync-events")

    def before(self, request: HttpRequest) -> float:
        return time.perf_counter()

    def after(self, request: HttpRequest, response: Any, started: float) -> Any:
        _observe(request, response.status_code, started)
        return response
