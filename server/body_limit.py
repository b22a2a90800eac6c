"""Refuse an oversized request body before reading it: 413 `body_too_large`, as JSON.

Django's ASGI handler reads the whole body (spooling it to disk) before any view or
middleware runs, so a 50 MB login would be read in full just to be refused. This ASGI
wrapper answers from the declared Content-Length at once, and counts a chunked body as it
arrives, cutting it off at the limit. The limit is DATA_UPLOAD_MAX_MEMORY_SIZE, the largest
body any view accepts (the sync call's 5 MB, which answers the same code itself).

No middleware has chosen a language yet, so the answer resolves its own from the request's
headers as LocaleMiddleware would (server/language.py).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from server.language import scope_language


def _body(scope) -> bytes:
    with translation.override(scope_language(scope)):
        message = _("Dữ liệu gửi lên quá lớn (tối đa 5 MB).")
    return json.dumps({"code": "body_too_large", "message": message}, ensure_ascii=False).encode()


async def _too_large(scope, send) -> None:
    body = _body(scope)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _declared_length(scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimitMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        declared = _declared_length(scope)
        if declared is not None:
            if declared > limit:
                await _too_large(scope, send)
                return
            # The server holds the body to its declared length.
            await self.app(scope, receive, send)
            return
        seen = 0
        cut = False
        started = False

        async def counted_receive():
            nonlocal seen, cut
            if cut:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    cut = True  # Django stops reading at a disconnect and answers nothing
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted_receive, tracked_send)
        if cut and not started:
            await _too_large(scope, send)
