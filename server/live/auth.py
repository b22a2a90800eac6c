"""First-message authentication for websockets (browsers cannot set headers on them), and
what keeps a socket honest afterwards.

- A socket joins its device's and its user's groups (server.accounts.sockets) on auth;
  revoking the device, or all of the user's tokens, sends `auth.revoked` there after the
  commit, and the socket closes with 4401 before handling anything queued behind it.
- A lost close message cannot leak for long: `token_still_valid` re-reads the token before a
  dashboard snapshot, and before a delta or a poke once RECHECK_SECONDS have passed since
  the last read, and closes with 4401 if it no longer works.
- Once closing, nothing more is sent on the socket.
- A socket speaks the language of its handshake (server/language.py: the `django_language`
  cookie, then Accept-Language, else Vietnamese): every message it handles, and what that
  builds and sends, runs under that language, as an HTTP request does under LocaleMiddleware.
"""

from __future__ import annotations

import asyncio
import json
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import translation

from server.accounts.services import AuthError, Identity, identity_for_hash, identity_for_token
from server.accounts.sockets import device_group, user_group
from server.language import scope_language

CLOSE_BAD_MESSAGE = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
AUTH_TIMEOUT_SECONDS = 10


def json_object(text_data: str | None) -> dict | None:
    """The frame as a JSON object, or None for anything else (binary, not JSON, a list...)."""
    if not text_data:
        return None
    try:
        content = json.loads(text_data)
    except (ValueError, RecursionError):
        return None
    return content if isinstance(content, dict) else None


@database_sync_to_async
def identity_from_message(message: dict) -> Identity | None:
    if message.get("type") != "auth" or not isinstance(message.get("token"), str):
        return None
    try:
        return identity_for_token(message["token"])
    except AuthError:
        return None


@database_sync_to_async
def _token_works(key_hash: str) -> bool:
    try:
        identity_for_hash(key_hash, touch=False)
    except AuthError:
        return False
    return True


class FirstMessageAuthConsumer(AsyncJsonWebsocketConsumer):
    """Accepts, then waits for `{"type": "auth", "token": ...}`.

    A bad or missing token, or any frame that is not a JSON object before it (or none within
    AUTH_TIMEOUT_SECONDS), closes with 4401; such a frame after it closes with 4400.
    Subclasses implement `authenticated` (answer "ready", or close 4403) and
    `receive_authenticated`.
    """

    identity: Identity | None = None
    closing = False
    # A socket re-reads its token before sending if its last check is older than this.
    RECHECK_SECONDS: float = 0
    language: str  # set from the handshake, before the first message

    async def __call__(self, scope, receive, send) -> None:
        self.language = scope_language(scope)
        await super().__call__(scope, receive, send)

    async def dispatch(self, message) -> None:
        # The thread a database read runs in inherits the language (asgiref copies the
        # context into it), so a snapshot is built in it too.
        with translation.override(self.language):
            await super().dispatch(message)

    async def connect(self) -> None:
        self.identity = None
        self.closing = False
        self.checked_at = 0.0
        self.auth_groups: list[str] = []
        await self.accept()
        self._auth_timer = asyncio.get_running_loop().call_later(
            AUTH_TIMEOUT_SECONDS, lambda: asyncio.ensure_future(self._auth_timeout())
        )

    async def _auth_timeout(self) -> None:
        if self.identity is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        if self.closing:
            return
        content = json_object(text_data)
        if content is None:
            await self.close(
                code=CLOSE_BAD_MESSAGE if self.identity is not None else CLOSE_UNAUTHENTICATED
            )
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs) -> None:
        if self.identity is not None:
            await self.receive_authenticated(content)
            return
        identity = await identity_from_message(content)
        if identity is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self._auth_timer.cancel()
        # Join before the second read: a revocation committed in between is either seen by
        # that read or delivered to these groups.
        self.auth_groups = [device_group(identity.device_id), user_group(identity.user.pk)]
        for name in self.auth_groups:
            await self.channel_layer.group_add(name, self.channel_name)
        self.identity = identity
        if not await self.token_still_valid(force=True):
            return
        await self.authenticated(identity)

    async def token_still_valid(self, *, force: bool = False) -> bool:
        """False (and the socket closing with 4401) once the token no longer works."""
        if self.closing or self.identity is None:
            return False
        now = time.monotonic()
        if not force and now - self.checked_at < self.RECHECK_SECONDS:
            return True
        if not await _token_works(self.identity.token_hash):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return False
        self.checked_at = now
        return True

    async def auth_revoked(self, message: dict) -> None:
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def authenticated(self, identity: Identity) -> None:
        raise NotImplementedError

    async def receive_authenticated(self, content: dict) -> None:
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def send(self, text_data=None, bytes_data=None, close=False) -> None:
        if self.closing:
            return  # revoked or refused: not one more frame
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)

    async def close(self, code=None, reason=None) -> None:
        if self.closing:
            return
        self.closing = True
        await super().close(code=code, reason=reason)

    async def disconnect(self, code: int) -> None:
        self.closing = True
        timer = getattr(self, "_auth_timer", None)
        if timer:
            timer.cancel()
        for name in getattr(self, "auth_groups", []):
            await self.channel_layer.group_discard(name, self.channel_name)
