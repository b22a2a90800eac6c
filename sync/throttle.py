"""Sync calls per device: a fixed window counted in the shared cache (Redis in production),
so a phone in a retry loop, or a stolen token, cannot keep a facility's lock busy."""

from __future__ import annotations

import functools
import logging
import math
import time
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger("catruc.sync")

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
