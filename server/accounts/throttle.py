"""One login throttle for every password check: the phones' token login, the admin's login
form, and any session login that calls `authenticate()`.

It sits in the authentication backend, so no login path can skip it: while blocked,
`authenticate()` answers None even to the right password. Callers that want to say "wait"
rather than "wrong password" call `login_check` first (the token login, the admin form).
Failures are counted per (username, client address): one person guessing cannot lock
everybody on the shared centre Wi-Fi out, and one address cannot spray usernames without
each being counted.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from server.accounts.errors import AuthError
from server.observability import login_throttled

RATE_LIMITED = gettext_lazy("Sai mật khẩu quá nhiều lần. Vui lòng thử lại sau 15 phút.")


def client_address(request: HttpRequest | None) -> str:
    """The caller's address, for throttling.

    Behind nginx the peer is the proxy, which sets X-Real-IP (deploy/nginx.conf). The header
    is believed only from a trusted proxy: anyone reaching a worker directly could otherwise
    pick a fresh address per guess and never be throttled. X-Forwarded-For is never read
    here; uvicorn rewrites the peer from it only for the proxies it is told to trust.
    """
    if request is None:
        return ""
    peer = request.META.get("REMOTE_ADDR", "")
    if peer in settings.TRUSTED_PROXIES:
        return request.headers.get("X-Real-IP") or peer
    return peer


def _key(username: str, client: str) -> str:
    return "login-fail:" + hashlib.sha256(f"{username.lower()}|{client}".encode()).hexdigest()


def login_blocked(username: str, client: str) -> bool:
    blocked = cache.get(_key(username, client), 0) >= settings.LOGIN_MAX_FAILURES
    if blocked:
        login_throttled()  # /metrics: every refused attempt, whichever login form it came to
    return blocked


def login_check(username: str, client: str) -> None:
    if login_blocked(username, client):
        raise AuthError(429, "rate_limited", RATE_LIMITED)


def login_failed(username: str, client: str) -> None:
    key = _key(username, client)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW_SECONDS)


def login_succeeded(username: str, client: str) -> None:
    cache.delete(_key(username, client))


class ThrottledModelBackend(ModelBackend):
    """ModelBackend behind the throttle. `client` may be passed by callers that have no
    request (the token login passes its own); otherwise it is read from the request."""

    def authenticate(self, request, username=None, password=None, client=None, **kwargs):
        if username is None or password is None:
            return None
        address = client if client is not None else client_address(request)
        if login_blocked(username, address):
            # authenticate() turns this into None and tries no other backend.
            raise PermissionDenied(RATE_LIMITED)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failed(username, address)
        else:
            login_succeeded(username, address)
        return user
