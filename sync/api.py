"""The engine's HTTP edge: the project's JSON answers, and POST /api/sync/v1.

**JSON answers** (`json_response`, `error`), with the wire contract's error shape {code,
message, ...} (docs/protocol.md). Every API of the project answers through these, so a phone
reads one error shape wherever it calls; they live in the engine because the sync endpoint
answers with them and the engine imports no app.

**The sync endpoint** (`sync_v1`): too many calls are refused first, by a fixed window per
device counted in the shared cache (Redis in production), so a phone in a retry loop, or a
stolen token, cannot keep a facility's lock busy (`sync_throttle`); then the (possibly
gzipped) body is read within its limit, parsed (sync/edge.py), and its shape checked.
Every decision is in `sync.service`.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import time
import zlib
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.serializers.json import DjangoJSONEncoder
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router
from pydantic import ValidationError

from sync.changes import CallRead, call_read_current, read_with_heads, reading
from sync.edge import MAX_DEPTH, body_parse
from sync.protocol import MAX_BODY_BYTES, MAX_CHANGES_PER_PAGE, MAX_EVENTS_PER_CALL, SyncRequest
from sync.service import SyncError, sync_call

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

# For the app's bearer check of the sync call (server/accounts/services.py, SyncTokenAuth):
# what it reads with the token, and what the call then answers from.
__all__ = ["CallRead", "call_read_current", "read_with_heads", "router", "error", "json_response"]
log = logging.getLogger("catruc.sync")
# After each answered sync call, with its body, the caller and its `client` report
# (server/middleware.py counts events by status; server/accounts/services.py stamps the device).
sync_call_answered = Signal()
router = Router(tags=["sync"])

_DJANGO = DjangoJSONEncoder()


def _encode(body: dict[str, Any]) -> bytes:
    # orjson for speed (a pull of 1,000 changes); datetimes and what it does not know go to
    # Django's encoder, so the text is what json.dumps(cls=DjangoJSONEncoder) gave; what it
    # refuses outright (a non-string key) is written by json itself.
    try:
        return orjson.dumps(body, default=_DJANGO.default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except TypeError:
        return json.dumps(
            body, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
        ).encode()


def json_response(body: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(_encode(body), status=status, content_type="application/json")


def error(status: int, code: str, message: _StrOrPromise, **extra: Any) -> HttpResponse:
    return json_response({"code": code, "message": str(message), **extra}, status)


# The window's start and its count in one round trip (three commands before: every sync
# call, the no-op included, paid them). Atomic, so the count cannot expire between steps.
_WINDOW_COUNT = """
local start = redis.call('GET', KEYS[1])
if not start then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  start = ARGV[1]
end
local count_key = KEYS[1] .. ':' .. start
local count = redis.call('INCR', count_key)
if count == 1 then
  redis.call('EXPIRE', count_key, tonumber(ARGV[2]) + 1)
end
return {start, count}
"""


@functools.lru_cache(maxsize=4)
def _script(pool: Any) -> Any:
    import redis

    return redis.Redis(connection_pool=pool).register_script(_WINDOW_COUNT)


def _window_count(key: str, now: float, window: int) -> tuple[float, int]:
    """(start of this device's window, calls counted in it, this one included)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        pool = backend._cache._get_connection_pool(write=True)  # type: ignore[attr-defined]
        start, count = _script(pool)(
            keys=[backend.make_and_validate_key(key)], args=[repr(now), window]
        )
        return float(start), int(count)
    start = float(cache.get_or_set(key, now, window) or now)
    count_key = f"{key}:{start}"
    return start, 1 if cache.add(count_key, 1, window + 1) else cache.incr(count_key)


def sync_throttle(device_id: UUID) -> int | None:
    """Count one call of this device: the seconds it must wait when over the limit, else None."""
    limit = settings.SYNC_RATE_LIMIT
    window = settings.SYNC_RATE_WINDOW_SECONDS
    if limit <= 0:
        return None
    now = time.time()
    # The window opens at the device's first call (not on the clock's minute), so its limit
    # holds for any `window` seconds after that call, and the wait is exact.
    try:
        start, count = _window_count(f"sync-window:{device_id}", now, window)
    except ValueError:  # the count expired between add and incr: a new window
        return None
    except Exception:
        # A cache outage must not stop phones from syncing: the limit is a guard, not a rule.
        log.exception("sync throttle unavailable")
        return None
    if count <= limit:
        return None
    return max(1, math.ceil(start + window - now))


def _read_body(request: HttpRequest) -> bytes:
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0  # the server read what was sent; its real length is checked below
    if declared > MAX_BODY_BYTES:
        raise SyncError(
            413,
            "body_too_large",
            _("Gói dữ liệu quá lớn (tối đa 5 MB); máy sẽ gửi thành nhiều phần."),
        )
    body = request.body
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        try:
            # Bounded decompression: a small gzip bomb must not become a huge allocation.
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            body = inflater.decompress(body, MAX_BODY_BYTES + 1)
            if len(body) > MAX_BODY_BYTES or inflater.unconsumed_tail:
                raise SyncError(
                    413, "body_too_large", _("Gói dữ liệu quá lớn sau khi giải nén (tối đa 5 MB).")
                )
        except (OSError, zlib.error, EOFError) as exc:
            raise SyncError(400, "bad_gzip", _("Dữ liệu nén gzip bị hỏng.")) from exc
    if len(body) > MAX_BODY_BYTES:
        raise SyncError(413, "body_too_large", _("Gói dữ liệu quá lớn (tối đa 5 MB)."))
    return body


@router.post("/v1", summary="Push events, then pull changes, in one round trip")
def sync_v1(request: HttpRequest) -> HttpResponse:
    identity = request.auth  # type: ignore[attr-defined]
    wait = sync_throttle(identity.device_id)
    if wait is not None:
        response = error(
            429,
            "rate_limited",
            _("Máy đồng bộ quá dày; máy sẽ tự gửi lại sau %(wait)s giây, dữ liệu vẫn được giữ.")
            % {"wait": wait},
            retry_after=wait,
        )
        response["Retry-After"] = str(wait)
        return response
    try:
        body = _read_body(request)
        try:
            payload = body_parse(body)
        except RecursionError:
            return error(
                400,
                "bad_json",
                _("Dữ liệu lồng nhau quá sâu (tối đa %(depth)s tầng mỗi mục).")
                % {"depth": MAX_DEPTH},
            )
        except ValueError:  # JSONDecodeError and UnicodeDecodeError among them
            return error(400, "bad_json", _("Nội dung gửi lên không phải JSON hợp lệ."))
        if not isinstance(payload, dict):
            return error(400, "bad_json", _("Nội dung gửi lên phải là một đối tượng JSON."))
        try:
            req = SyncRequest.model_validate(payload)
        except ValidationError as exc:
            details = [
                {"field": ".".join(map(str, e["loc"])), "message": e["msg"]}
                for e in exc.errors(include_url=False)
            ]
            return error(
                400, "invalid_request", _("Yêu cầu đồng bộ thiếu hoặc sai trường."), details=details
            )
        if len(req.events) > MAX_EVENTS_PER_CALL:
            return error(
                413,
                "too_many_events",
                _("Tối đa %(count)s mục mỗi lần gửi.") % {"count": MAX_EVENTS_PER_CALL},
                max=MAX_EVENTS_PER_CALL,
            )
        if req.device_id != identity.device_id:
            return error(403, "device_mismatch", _("Mã thiết bị không khớp với phiên đăng nhập."))
        limit = payload.get("limit")
        page = (
            min(int(limit), MAX_CHANGES_PER_PAGE)
            if isinstance(limit, int) and limit > 0
            else MAX_CHANGES_PER_PAGE
        )
        # What the bearer check's statement read (the epoch, the heads, the kept scope).
        with reading(getattr(identity, "call_read", None)):
            outcome = sync_call(
                user=identity.user,
                device_id=identity.device_id,
                protocol=req.protocol,
                cursor_token=req.cursor,
                events=req.events,
                page_size=page,
            )
    except SyncError as exc:
        return error(exc.status, exc.code, exc.message, **exc.extra)
    # Ids and statuses only: never event args (they hold residents' names and medicines).
    log.info(
        "sync call",
        extra={
            "user_id": str(identity.user.pk),
            "device_id": str(identity.device_id),
            "event_ids": [r.get("id") for r in outcome.body.get("results", [])],
            "statuses": [r.get("status") for r in outcome.body.get("results", [])],
        },
    )
    sync_call_answered.send(
        sender=None, body=outcome.body, identity=identity, client=payload.get("client")
    )
    return json_response(outcome.body, outcome.status)
