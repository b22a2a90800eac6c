"""The language of what answers before Django's middleware: a websocket (Channels has no
LocaleMiddleware) and the 413 of server/body_limit.py (answered before Django starts).

Both are resolved from the ASGI scope's headers exactly as `LocaleMiddleware` resolves a
request's: the `django_language` cookie, then Accept-Language, else LANGUAGE_CODE
(deploy/README.md, "Languages"). Django's own function does the choosing, so a socket and
the page that opened it can never disagree on the language.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from django.http.cookie import parse_cookie
from django.utils.translation import get_language_from_request


def scope_language(scope: Mapping[str, Any]) -> str:
    """The language an ASGI scope (http or websocket) asks for, among settings.LANGUAGES."""
    cookies: dict[str, str] = {}
    accept = ""
    for name, value in scope.get("headers") or ():
        if name.lower() == b"cookie":
            cookies.update(parse_cookie(value.decode("latin-1")))
        elif name.lower() == b"accept-language":
            accept = value.decode("latin-1")
    # What get_language_from_request reads of a request: its cookies and this one header.
    request = SimpleNamespace(COOKIES=cookies, META={"HTTP_ACCEPT_LANGUAGE": accept})
    return get_language_from_request(request)  # type: ignore[arg-type]
