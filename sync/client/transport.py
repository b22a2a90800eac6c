"""One sync call over HTTP: the body gzipped when it is worth it, transport errors and 5xx
retried with exponential backoff and jitter, 429 waited out as `Retry-After` says."""

from __future__ import annotations

import gzip
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

RETRY_STATUSES = {429, 500, 502, 503, 504}


class SyncFailed(Exception):
    """The server could not be reached, or refused the whole call. The outbox is kept."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass
class SyncReport:
    requests: int = 0
    pushed: int = 0
    acknowledged: int = 0
    rejected: int = 0
    pulled: int = 0
    resets: int = 0
    upgrade_required: bool = False
    bytes_sent: int = 0
    bytes_received: int = 0
    results: list[dict[str, Any]] = field(default_factory=list)


def _retry_after(response: httpx.Response, default: float) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return default


class Transport:
    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_attempts: int = 5,
        backoff_base: float = 0.2,
        backoff_max: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        gzip_min_bytes: int = 1024,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_attempts = max_attempts
        self.backoff_base, self.backoff_max, self.sleep = backoff_base, backoff_max, sleep
        self.gzip_min_bytes = gzip_min_bytes
        self.http = httpx.Client(transport=transport, timeout=timeout)
        # httpx's default Accept, Connection and User-Agent add ~70 B to every call; HTTP/1.1
        # keeps the connection alive without them, and the server ignores the rest.
        for name in ("Accept", "Connection", "User-Agent"):
            self.http.headers.pop(name, None)
        self.http.headers["Accept-Encoding"] = "gzip"

    def sync_post(
        self, body: dict[str, Any], token: str, report: SyncReport
    ) -> tuple[int, dict[str, Any]]:
        """POST /api/sync/v1 until the server answers with JSON; (status, body)."""
        data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept-Encoding": "gzip",
        }
        if len(data) >= self.gzip_min_bytes:
            data = gzip.compress(data, compresslevel=6)
            headers["Content-Encoding"] = "gzip"
        error: str = ""
        for attempt in range(self.max_attempts):
            if attempt:
                # Exponential backoff with jitter: a ward of phones coming back online at once
                # must not hammer the server in lockstep.
                delay = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
                self.sleep(delay * (0.5 + random.random() / 2))
            report.requests += 1
            report.bytes_sent += len(data)
            try:
                response = self.http.post(
                    f"{self.base_url}/api/sync/v1", content=data, headers=headers
                )
            except httpx.TransportError as exc:
                error = f"{type(exc).__name__}: {exc}"
                continue
            report.bytes_received += response.num_bytes_downloaded
            if response.status_code == 429:
                # Rate limited: wait as long as the server says, then send the same events.
                error = "HTTP 429 rate_limited"
                if attempt + 1 < self.max_attempts:
                    self.sleep(_retry_after(response, self.backoff_max))
                continue
            if response.status_code in RETRY_STATUSES:
                error = f"HTTP {response.status_code}"
                continue
            try:
                return response.status_code, response.json()
            except ValueError:
                error = f"HTTP {response.status_code}: not JSON"
                continue
        limited = error.endswith("rate_limited")
        raise SyncFailed(
            f"server unreachable after {self.max_attempts} attempts ({error})",
            status=429 if limited else None,
            code="rate_limited" if limited else None,
        )

    def close(self) -> None:
        self.http.close()
