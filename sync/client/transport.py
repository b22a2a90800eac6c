"""One sync call over HTTP: the body gzipped when it is worth it, transport errors and 5xx
retried with exponential backoff and jitter, 429 waited out as `Retry-After` says.

The sync call goes over one kept-alive `http.client` connection (`Line`): httpx's request
and response machinery cost ~0.5 ms of a ~5 ms no-op on the bench machine
(docs/performance.md, "No-op: a leaner client, a prepared statement"). Logging in and any
transport a test hands in (`transport=`, to lose answers on purpose) still go through httpx.
"""

from __future__ import annotations

import gzip
import http.client
import json
import random
import select
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

RETRY_STATUSES = {429, 500, 502, 503, 504}
# orjson reads an integer of 19 digits or more as a float where json keeps it exact: every
# digit made "0", then one substring search (a regex took as long as the parse).
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS = b"0" * 19


def json_load(text: str | bytes) -> Any:
    """`json.loads(text)`, by orjson where it reads the same value (~4× faster a push): not
    past 64-bit integers, nor NaN, Infinity or a lone surrogate, which orjson refuses."""
    try:
        raw = text.encode() if isinstance(text, str) else text
    except UnicodeEncodeError:  # a lone surrogate
        return json.loads(text)
    if _LONG_DIGITS not in raw.translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def json_dump(value: Any) -> bytes:
    """`json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()`, by orjson when
    it writes the same JSON (~10× faster). Not with `null` in its output (orjson writes NaN
    and Infinity as null, json as NaN and Infinity, which the server answers), nor for what
    orjson refuses (integers past 64 bits, keys that are not text, a lone surrogate). A float
    may be spelled otherwise (1e-7 for 1e-07): the same number."""
    try:
        data = orjson.dumps(value)
    except (orjson.JSONEncodeError, TypeError):
        data = b"null"
    if b"null" not in data:
        return data
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


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


def _retry_after(value: str | None, default: float) -> float:
    try:
        return max(0.0, float(value or ""))
    except ValueError:
        return default


class Line:
    """One HTTP/1.1 connection to the server, kept alive between calls and opened again when
    the server has closed it (its keep-alive timeout) or the address changed."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.at: tuple[str, str, int | None] | None = None
        self.conn: http.client.HTTPConnection | None = None

    def post(
        self, url: str, data: bytes, headers: dict[str, str]
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """(status, headers, body as received). Raises OSError or HTTPException."""
        parts = urlsplit(url)
        at = (parts.scheme, parts.hostname or "", parts.port)
        conn = self.conn
        if conn is not None and (at != self.at or _closed(conn)):
            self.close()
            conn = None
        reused = conn is not None
        if conn is None:
            if parts.scheme not in ("http", "https"):
                raise http.client.InvalidURL(f"not an http(s) address: {url}")
            kind = (
                http.client.HTTPSConnection
                if parts.scheme == "https"
                else http.client.HTTPConnection
            )
            conn = self.conn = kind(at[1], at[2], timeout=self.timeout)
            self.at = at
        try:
            conn.request("POST", parts.path or "/", body=data, headers=headers)
            response = conn.getresponse()
        except (ConnectionResetError, BrokenPipeError):  # RemoteDisconnected among them
            self.close()
            if not reused:
                raise
            # The server closed the idle connection as this call went out on it (its
            # keep-alive timeout fired between the check above and the send): no answer
            # came, so send once more on a new connection. A sync call may be sent twice:
            # its events are applied once, by id (docs/protocol.md).
            return self.post(url, data, headers)
        except BaseException:
            self.close()
            raise
        try:
            return response.status, response.headers, response.read()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None


def _closed(conn: http.client.HTTPConnection) -> bool:
    """An idle kept-alive socket that is readable has been closed by the server (or holds
    bytes nobody asked for): not one to send on."""
    sock = conn.sock
    if sock is None:
        return False
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


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
        self.line = Line(timeout) if transport is None else None
        # httpx's default Accept, Connection and User-Agent add ~70 B to every call; HTTP/1.1
        # keeps the connection alive without them, and the server ignores the rest.
        for name in ("Accept", "Connection", "User-Agent"):
            self.http.headers.pop(name, None)
        self.http.headers["Accept-Encoding"] = "gzip"

    def sync_post(
        self,
        body: dict[str, Any],
        token: str,
        report: SyncReport,
        *,
        events_json: bytes | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """POST /api/sync/v1 until the server answers with JSON; (status, body).

        `events_json`: `body["events"]` already encoded (`json_dump`), as the chunk's size
        was measured; the body is the same bytes as when it is encoded here."""
        if events_json is None:
            data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        else:
            head = {k: v for k, v in body.items() if k != "events"}
            # "events" is the body's last key: the envelope's JSON, then the events'.
            assert list(body)[-1] == "events" and head
            data = b"".join(
                [
                    json.dumps(head, separators=(",", ":"), ensure_ascii=False).encode()[:-1],
                    b',"events":',
                    events_json,
                    b"}",
                ]
            )
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
                status, answer_headers, raw, wire = self._post(data, headers)
            except (httpx.TransportError, OSError, http.client.HTTPException) as exc:
                error = f"{type(exc).__name__}: {exc}"
                continue
            report.bytes_received += wire
            if status == 429:
                # Rate limited: wait as long as the server says, then send the same events.
                error = "HTTP 429 rate_limited"
                if attempt + 1 < self.max_attempts:
                    self.sleep(_retry_after(answer_headers.get("Retry-After"), self.backoff_max))
                continue
            if status in RETRY_STATUSES:
                error = f"HTTP {status}"
                continue
            try:
                return status, json_load(raw)
            except ValueError:
                error = f"HTTP {status}: not JSON"
                continue
        limited = error.endswith("rate_limited")
        raise SyncFailed(
            f"server unreachable after {self.max_attempts} attempts ({error})",
            status=429 if limited else None,
            code="rate_limited" if limited else None,
        )

    def _post(self, data: bytes, headers: dict[str, str]) -> tuple[int, Any, bytes, int]:
        """(status, headers, body decoded, bytes of body that came over the wire)."""
        url = f"{self.base_url}/api/sync/v1"
        if self.line is None:
            response = self.http.post(url, content=data, headers=headers)
            return (
                response.status_code,
                response.headers,
                response.content,
                response.num_bytes_downloaded,
            )
        status, answer_headers, raw = self.line.post(url, data, headers)
        body = raw
        if (answer_headers.get("Content-Encoding") or "").lower() == "gzip":
            try:
                body = gzip.decompress(raw)
            except (OSError, EOFError):
                body = b""  # not JSON: retried like any answer that is not
        return status, answer_headers, body, len(raw)

    def close(self) -> None:
        if self.line is not None:
            self.line.close()
        self.http.close()
