"""Structured logs: one JSON object per line in production, readable text in DEBUG.

Every line written while a request is being served carries its request id (from nginx's
X-Request-ID, or made here), and the access line at the end carries the user and device
behind the token. Identifiers only: resident names, medicines, notes and event arguments
are never logged (docs/domain.md, "Personal data"). Callers pass ids through `extra={...}`.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

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
            "json": {"()": "server.logging.JsonFormatter"},
            "text": {"()": "server.logging.TextFormatter"},
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
