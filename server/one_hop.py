"""POST /api/sync/v1 served by Django in one hop to a worker thread.

Under ASGI Django runs its middleware chain asynchronously: each of the stock middleware
(security, sessions, locale, CSRF, ...) hands its `process_request` and `process_response`
to a thread and back, the sync view is one more hand-off, and every request gets a thread
of its own, made and joined per request. For a phone's sync call that was ~16 hand-offs
between the event loop and a thread, each a wake-up that waits its turn for a CPU on a busy
machine: several milliseconds of a no-op call that does ~2 ms of work (docs/performance.md,
"No-op").

This handler is Django's own (`ASGIHandler`: the same request object, middleware list,
URL resolution, view, error pages and response encoding), with the middleware chain loaded
in its synchronous form, as a WSGI server runs it. The request's whole synchronous part —
`request_started`, the chain and the view, `request_finished` — is one call on a worker
thread that outlives the request; the event loop only reads the body and writes the answer.
So the rules, the token check, the throttle, the access line and the metrics are exactly
the ones every other request goes through: nothing is copied here.

It serves only answers with a body in hand (the sync view never streams), so the response
is closed — which returns the database connection to the pool — in the same thread that
used it, before the bytes go out.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import HttpResponseBase
from django.urls import set_script_prefix

ONE_HOP_PATHS = frozenset({"/api/sync/v1"})


def _threads() -> int:
    # As many as the database pool has connections: a call waits here for a thread rather
    # than in a thread for a connection (which times out after 10 s).
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    if isinstance(pool, dict) and pool.get("max_size"):
        return int(pool["max_size"])
    return 8  # no pool (SQLite, or DB_POOL_MAX=0): a connection per thread


class OneHopHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self.executor = ThreadPoolExecutor(max_workers=_threads(), thread_name_prefix="one-hop")

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        # No ThreadSensitiveContext: nothing of the request runs on any other thread.
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        # thread_sensitive=False: the worker pool above, and an async_to_sync inside the view
        # (the after-commit pokes) still runs on this event loop.
        response = await sync_to_async(
            self._respond, thread_sensitive=False, executor=self.executor
        )(scope, body_file)
        await self.send_response(response, send)

    def _respond(self, scope: dict, body_file: Any) -> HttpResponseBase:
        signals.request_started.send(sender=self.__class__, scope=scope)
        response: HttpResponseBase | None = None
        try:
            request, response = self.create_request(scope, body_file)
            if request is not None:
                response = self.get_response(request)
            assert response is not None
            response._handler_class = self.__class__  # type: ignore[attr-defined]
            return response
        finally:
            if response is not None:
                response.close()  # request_finished: the connection goes back to the pool
            else:
                signals.request_finished.send(sender=self.__class__)
            body_file.close()


class OneHopRoute:
    """ASGI: the one-hop paths to `OneHopHandler`, everything else to `app`."""

    def __init__(self, app: Any, handler: OneHopHandler, paths: frozenset[str] = ONE_HOP_PATHS):
        self.app = app
        self.handler = handler
        self.paths = paths

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] in self.paths:
            await self.handler(scope, receive, send)
        else:
            await self.app(scope, receive, send)
