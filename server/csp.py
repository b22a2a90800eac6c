"""Content-Security-Policy for the pages a browser renders: the PWA, the dashboard, reports.

Each of them loads only its own files: no inline or third-party script, so an injected
`<script>` or event handler in a resident's name cannot run, and nothing can frame them.
Inline `style="…"` attributes stay allowed (style-src-attr): the app sets a progress bar's
width that way, and a style attribute cannot run code. The printable report keeps its one
`<style>` block and its print link (its hash, under 'unsafe-hashes') and loads nothing else.

The admin (Django's own inline scripts) and the JSON API are left alone.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
