"""First-message authentication for websockets (browsers cannot set headers on them)."""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from server.accounts.services import AuthError, Identity, identity_for_token

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
AUTH_TIMEOUT_SECONDS = 10


@database_sync_to_async
def identity_from_message(message: dict) -> Identity | None:
    if message.get("type") != "auth" or not isinstance(message.get("token"), str):
        return None
    try:
        return identity_for_token(message["token"])
    except AuthError:
        return None


class FirstMessageAuthConsumer(AsyncJsonWebsocketConsumer):
    """Accepts, then waits for `{"type": "auth", "token": ...}`.

    A bad or missing token (or none within AUTH_TIMEOUT_SECONDS) closes with 4401. Subclasses
    implement `authenticated` (answer "ready", or close 4403) and `receive_authenticated`.
    """

    identity: Identity | None = None

    async def connect(self) -> None:
        self.identity = None
        await self.accept()
        self._auth_timer = asyncio.get_running_loop().call_later(
            AUTH_TIMEOUT_SECONDS, lambda: asyncio.ensure_future(self._auth_timeout())
        )

    async def _auth_timeout(self) -> None:
        if self.identity is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def receive_json(self, content, **kwargs) -> None:
        if self.identity is not None:
            await self.receive_authenticated(content)
            return
        identity = await identity_from_message(content)
        if identity is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self._auth_timer.cancel()
        self.identity = identity
        await self.authenticated(identity)

    async def authenticated(self, identity: Identity) -> None:
        raise NotImplementedError

    async def receive_authenticated(self, content: dict) -> None:
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def disconnect(self, code: int) -> None:
        timer = getattr(self, "_auth_timer", None)
        if timer:
            timer.cancel()
