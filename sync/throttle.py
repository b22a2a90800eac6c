"""Sync calls per device: a fixed window counted in the shared cache (Redis in production),
so a phone in a retry loop, or a stolen token, cannot keep a facility's lock busy."""

from __future__ import annotations

import logging
import math
import time
from uuid import UUID

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger("catruc.sync")


def sync_throttle(device_id: UUID) -> int | None:
    """Count one call of this device: the seconds it must wait when over the limit, else None."""
    limit = settings.SYNC_RATE_LIMIT
    window = settings.SYNC_RATE_WINDOW_SECONDS
    if limit <= 0:
        return None
    now = time.time()
    slot = int(now // window)
    key = f"sync-rate:{device_id}:{slot}"
    try:
        count = 1 if cache.add(key, 1, window + 1) else cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window + 1)
        count = 1
    except Exception:
        # A cache outage must not stop phones from syncing: the limit is a guard, not a rule.
        log.exception("sync throttle unavailable")
        return None
    if count <= limit:
        return None
    return max(1, math.ceil((slot + 1) * window - now))
