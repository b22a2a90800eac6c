"""ws /ws/v1/live: pokes a phone when its scope has new changes."""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from server.accounts.services import scope_of
from server.live import groups
from server.live.auth import CLOSE_UNAUTHENTICATED, identity_from_message

AUTH_TIMEOUT_SECONDS = 10


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.identity = None
        self.joined: list[str] = []
        await self.accept()
        self._auth_timer = asyncio.get_running_loop().call_later(
            AUTH_TIMEOUT_SECONDS, lambda: asyncio.ensure_future(self._auth_timeout())
        )

    async def _auth_timeout(self) -> None:
        if self.identity is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def receive_json(self, content, **kwargs) -> None:
        if self.identity is None:
            identity = await identity_from_message(content)
            if identity is None:
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            self._auth_timer.cancel()
            self.identity = identity
            scope = await database_sync_to_async(scope_of)(identity.user)
            for entry in scope:
                self.joined += groups.for_scope_entry(entry)
            for name in self.joined:
                await self.channel_layer.group_add(name, self.channel_name)
            await self.send_json({"type": "ready", "user_id": str(identity.user.id),
                                  "facilities": [str(f) for f in scope.facility_ids()]})
            return
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def disconnect(self, code: int) -> None:
        timer = getattr(self, "_auth_timer", None)
        if timer:
            timer.cancel()
        for name in getattr(self, "joined", []):
            await self.channel_layer.group_discard(name, self.channel_name)

    async def live_poke(self, message: dict) -> None:
        await self.send_json({"type": "poke", "cursor": message["cursor"], "facility": message["facility"]})
