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
    # The window opens at the device's first call (not on the clock's minute), so its limit
    # holds for any `window` seconds after that call, and the wait is exact.
    start_key = f"sync-rate:{device_id}"
    try:
        start = float(cache.get_or_set(start_key, now, window) or now)
        count_key = f"{start_key}:{start}"
        count = 1 if cache.add(count_key, 1, window + 1) else cache.incr(count_key)
    except ValueError:  # the count expired between add and incr: a new window
        return None
    except Exception:
        # A cache outage must not stop phones from syncing: the limit is a guard, not a rule.
        log.exception("sync throttle unavailable")
        return None
    if count <= limit:
        return None
    return max(1, math.ceil(start + window - now))
