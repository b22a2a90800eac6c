"""Once per web worker, when the ASGI application is built: load what the first request
would load, then set it aside from the garbage collector.

A worker holds ~135,000 objects from startup (Django, the apps, the URL conf and its
schemas) that live as long as the process. CPython's full collection walks all of them,
and a push of 500 events makes enough survivors to trigger one every two or three calls:
~100 ms each on the bench machine, inside whichever request was running
(docs/performance.md, "Push, one Facility per facility and a frozen startup heap"). Frozen, they
are never walked again (`gc.freeze`, meant for exactly this); what is made afterwards is
collected as before.
"""

from __future__ import annotations

import gc

from django.urls import get_resolver


def worker_ready() -> None:
    # The URL conf imports every view and API module: now, not inside the first request.
    get_resolver().url_patterns  # noqa: B018
    gc.collect()
    gc.freeze()
