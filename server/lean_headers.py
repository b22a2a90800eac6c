"""Trim browser-document headers from the sync endpoint's answers.

A phone makes a no-op sync every few minutes on a metered link, and headers were 71 % of
it (docs/performance.md). Framing, referrer, opener and language headers protect or
describe documents a browser renders; the sync answer is JSON read by fetch() from a POST,
which no cache stores, so `Vary` is moot too. `X-Content-Type-Options: nosniff` stays.

`X-Request-ID` is echoed on a sync answer only when the phone sent one (to tie its own
report to the server's log line); the id the server makes up for a phone that sent none
still goes into that log line, but not back over the link (48 bytes of a ~600-byte no-op).
This middleware is therefore the outermost one: the request log sets the header inside it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
