"""GET /healthz: 200 only when the database (and Redis, when REDIS_URL is set) answer.

nginx, systemd and container health checks poll it, so it is cheap, unauthenticated and
says which dependency failed (503 with {"checks": {"database": "...", "redis": "..."}})
without leaking connection strings.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sync.api import json_response

log = logging.getLogger("catruc.health")

REDIS_TIMEOUT_SECONDS = 2.0


def database_check() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not answering"
        # A broken connection must not be reused by the next request on this thread.
        connection.close_if_unusable_or_obsolete()
        log.warning("healthz: database failed", extra={"error": type(exc).__name__})
        return "fail"
    return "ok"


def redis_check(url: str) -> str:
    import redis

    try:
        client = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        log.warning("healthz: redis failed", extra={"error": type(exc).__name__})
        return "fail"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    checks = {"database": database_check()}
    redis_url = getattr(settings, "REDIS_URL", "")
    if redis_url:
        checks["redis"] = redis_check(redis_url)
    healthy = all(v == "ok" for v in checks.values())
    failed = sorted(k for k, v in checks.items() if v != "ok")
    body: dict[str, object] = {"status": "ok" if healthy else "fail", "checks": checks}
    if failed:
        body["failed"] = failed
    return json_response(body, 200 if healthy else 503)
