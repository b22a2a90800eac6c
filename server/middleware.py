"""The project's own middleware: the shape they share, and the headers a response carries.

**One shape under WSGI and ASGI** (`AroundViewMiddleware`). Django calls a middleware either
synchronously or, under uvicorn, as a coroutine; writing both paths by hand in every
middleware let them drift. A subclass says what happens around the view (`before`, `after`,
and `done`, which runs even when the view raised), and the base runs it on whichever path
Django chose. The request log and the metrics (server/observability.py) are built on it.

**Lean sync answers** (`LeanSyncHeadersMiddleware`). A phone makes a no-op sync every few
minutes on a metered link, and headers were 71 % of it (docs/performance.md). Framing,
referrer, opener and language headers protect or describe documents a browser renders; the
sync answer is JSON read by fetch() from a POST, which no cache stores, so `Vary` is moot too.
`X-Content-Type-Options: nosniff` stays. `X-Request-ID` is echoed on a sync answer only when
the phone sent one (to tie its own report to the server's log line); the id the server makes
up for a phone that sent none still goes into that log line, but not back over the link (48
bytes of a ~600-byte no-op). This middleware is therefore the outermost one: the request log
sets the header inside it.

**Content-Security-Policy** (`ContentSecurityPolicyMiddleware`) for the pages a browser
renders: the PWA, the dashboard, reports. Each of them loads only its own files: no inline or
third-party script, so an injected `<script>` or event handler in a resident's name cannot
run, and nothing can frame them. Inline `style="…"` attributes stay allowed (style-src-attr):
the app sets a progress bar's width that way, and a style attribute cannot run code. The
printable report keeps its one `<style>` block and its print link (its hash, under
'unsafe-hashes') and loads nothing else. The admin (Django's own inline scripts) and the JSON
API are left alone.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse


class AroundViewMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def before(self, request: Any) -> Any:
        """Runs before the view; what it returns is handed to `after` and `done`."""
        return None

    def after(self, request: Any, response: Any, state: Any) -> Any:
        return response

    def done(self, state: Any) -> None:
        """Runs last, whether the view answered or raised."""

    def __call__(self, request: Any) -> Any:
        if self.is_async:
            return self._acall(request)
        state = self.before(request)
        try:
            return self.after(request, self.get_response(request), state)
        finally:
            self.done(state)

    async def _acall(self, request: Any) -> Any:
        state = self.before(request)
        try:
            return self.after(request, await self.get_response(request), state)
        finally:
            self.done(state)


SYNC_PREFIX = "/api/sync/"
DOCUMENT_ONLY = (
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Content-Language",
    "Vary",
)


class LeanSyncHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(SYNC_PREFIX):
            for name in DOCUMENT_ONLY:
                if name in response:
                    del response[name]
            if "X-Request-ID" not in request.headers and "X-Request-ID" in response:
                del response["X-Request-ID"]
        return response


HEADER = "Content-Security-Policy"
PRINT_LINK = "javascript:print()"


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


COMMON = (
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
)

APP_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        # 'self' covers the same-origin ws:// and wss:// of the live socket (CSP level 3).
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        *COMMON,
    )
)

REPORT_POLICY = "; ".join(
    (
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        f"script-src 'unsafe-hashes' {_hash(PRINT_LINK)}",
        "img-src 'self' data:",
        "form-action 'self'",  # the papers' login, logout and day pickers
        *COMMON,
    )
)

POLICIES = (
    ("/app/", APP_POLICY),
    ("/dashboard/", APP_POLICY),
    ("/reports/", REPORT_POLICY),
)


def policy_for(path: str) -> str | None:
    for prefix, policy in POLICIES:
        if path.startswith(prefix):
            return policy
    return None


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = policy_for(request.path)
        if policy is not None and HEADER not in response:
            response[HEADER] = policy
        return response
