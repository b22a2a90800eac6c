"""The sync call's edge: what is refused before any decision. Two things.

Too many calls: a fixed window per device counted in the shared cache (Redis in production),
so a phone in a retry loop, or a stolen token, cannot keep a facility's lock busy
(`sync_throttle`).

Hostile input, per event, before anything reaches the database. PostgreSQL refuses a NUL character in `text` and `jsonb`, and UTF-8 cannot carry a lone
surrogate; `bigint` stops at 2^63 − 1; Python's json accepts NaN, Infinity and integers of
any length. Any of these inside one event used to fail the call's single transaction, so
the good events behind it never landed. Here each event is judged alone: a bad one is
`rejected` and the rest of the batch goes on (docs/protocol.md, "Limits").
Imports no model.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext as _

log = logging.getLogger("catruc.sync")

MAX_DEPTH = 32
MAX_EVENT_BYTES = 64 * 1024
MAX_TEXT_CHARS = 4000
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
# Longer digit strings are not even converted (Python refuses past 4,300 digits anyway).
_MAX_INT_DIGITS = 20
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
# orjson reads an integer past 64 bits as a float, which would pass as a number: a body with
# 19 digits in a row anywhere (a string too) takes the json path, whose answer is exact.
# (Every digit made "0", then one substring search: a regex took longer than the parse.)
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS = b"0" * 19
# Bytes of JSON any scalar can take (a float's repr is at most 24, an allowed integer 20).
_SCALAR_BYTES = 24


@dataclass(frozen=True)
class BadNumber:
    """NaN, ±Infinity or an over-long integer, kept by the parser for the event to be judged."""

    text: str


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


def _constant(text: str) -> BadNumber:
    return BadNumber(text)


def _integer(text: str) -> int | BadNumber:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        return BadNumber(text[:24] + "…")
    return int(text)


def body_parse(body: bytes) -> Any:
    """The body as Python values; bad numbers become `BadNumber` instead of failing it.

    orjson reads the ordinary body (several times faster than json). Whatever it refuses —
    NaN, Infinity, a lone surrogate, a UTF-16 body or a byte-order mark, nesting past 1,024
    — and every body with an integer that may not fit 64 bits is read again by json with
    hooks, so each of those gets exactly the answer it always had (docs/security.md).
    Raises ValueError (or RecursionError, for nesting the parser cannot follow) when the
    body as a whole is not JSON."""
    if _LONG_DIGITS not in body.translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return json.loads(body, parse_constant=_constant, parse_int=_integer)


def _invalid(why: str) -> Problem:
    return Problem("invalid_event", _("Sự kiện không hợp lệ: %(why)s.") % {"why": why})


def _bad_string(text: str) -> bool:
    return "\x00" in text or (not text.isascii() and _BAD_CHARS.search(text) is not None)


def event_problem(raw: Any) -> Problem | None:
    """Why this raw event cannot be stored, or None. One walk; the event is serialized (to
    measure it) only when the walk's upper bound of its size passes the limit."""
    if not isinstance(raw, dict):
        return _invalid(_("mỗi sự kiện phải là một đối tượng JSON"))
    longest = 0
    # No string is more than 6 bytes a character in JSON (`\u0000`), quotes aside.
    bound = 0
    stack: list[tuple[Any, int]] = [(raw, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return _invalid(_("lồng nhau quá %(depth)s tầng") % {"depth": MAX_DEPTH})
            bound += 2 + 2 * len(value)  # brackets, commas and colons
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    if _bad_string(key):
                        return _invalid(_("có ký tự NUL hoặc ký tự Unicode hỏng"))
                    bound += 6 * len(key) + 2
                stack.append((item, depth + 1))
        elif isinstance(value, str):
            if _bad_string(value):
                return _invalid(_("có ký tự NUL hoặc ký tự Unicode hỏng"))
            longest = max(longest, len(value))
            bound += 6 * len(value) + 2
        elif isinstance(value, BadNumber):
            return _invalid(_("số không hợp lệ (%(number)s)") % {"number": value.text})
        elif isinstance(value, bool):
            bound += _SCALAR_BYTES
        elif isinstance(value, int):
            if not INT_MIN <= value <= INT_MAX:
                return _invalid(_("số nguyên vượt quá 64 bit"))
            bound += _SCALAR_BYTES
        elif isinstance(value, float) and not math.isfinite(value):
            return _invalid(_("số không hữu hạn"))
        else:
            bound += _SCALAR_BYTES
    if bound > MAX_EVENT_BYTES:
        # Compact UTF-8, as json.dumps(ensure_ascii=False) writes it; clean values only here.
        size = len(orjson.dumps(raw))
        if size > MAX_EVENT_BYTES:
            return Problem(
                "event_too_large",
                _("Sự kiện quá lớn (%(size)s KB; tối đa %(limit)s KB).")
                % {"size": size // 1024, "limit": MAX_EVENT_BYTES // 1024},
            )
    if longest > MAX_TEXT_CHARS:
        return Problem(
            "text_too_long",
            _("Nội dung chữ quá dài (tối đa %(limit)s ký tự).") % {"limit": MAX_TEXT_CHARS},
        )
    return None


def printable(value: Any, *, depth: int = 0) -> Any:
    """A copy of `value` that any database and any JSON encoder accept, for the quarantine:
    bad characters become U+FFFD, bad numbers their text, long text and deep nesting cut."""
    if isinstance(value, str):
        return _BAD_CHARS.sub("\ufffd", value[:MAX_TEXT_CHARS])
    if isinstance(value, BadNumber):
        return value.text
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if INT_MIN <= value <= INT_MAX else str(value)[:24]
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth >= MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        return {printable(str(k)): printable(v, depth=depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [printable(v, depth=depth + 1) for v in value]
    return printable(str(value))


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
