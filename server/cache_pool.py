"""One Redis connection pool per worker process for Django's cache.

Django keeps a cache backend per request context (asgiref's Local), and its Redis client
keeps its pool on that backend: every request opened a new pool, so a new TCP connection
to Redis and redis-py's handshake (which also reads its own package metadata from disk).
That was ~3 ms of a ~12 ms no-op sync call, whose throttle reads the cache. This pool class
hands every backend of the process the same pool for the same URL and options; redis-py's
pools are thread-safe and start afresh in a forked child.
"""

from __future__ import annotations

import threading
from typing import Any

import redis

_pools: dict[tuple[str, str], redis.ConnectionPool] = {}
_lock = threading.Lock()


class SharedConnectionPool(redis.ConnectionPool):
    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Any:
        key = (url, repr(sorted(kwargs.items(), key=lambda item: item[0])))
        with _lock:
            pool = _pools.get(key)
            if pool is None:
                pool = _pools[key] = super().from_url(url, **kwargs)
        return pool
