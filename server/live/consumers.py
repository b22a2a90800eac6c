"""ws /ws/v1/live: pokes a phone when its scope has new changes."""

from __future__ import annotations

from channels.db import database_sync_to_async

from server.accounts.services import Identity, scope_of
from server.live import groups
from server.live.auth import AUTH_TIMEOUT_SECONDS, FirstMessageAuthConsumer  # noqa: F401 - re-exported


class LiveConsumer(FirstMessageAuthConsumer):
    # A poke carries no data (a cursor number), so its token is re-read at most once a
    # minute rather than once per commit per phone; the close sent on revocation is what
    # stops pokes at once.
    RECHECK_SECONDS = 60

    async def connect(self) -> None:
        self.joined: list[str] = []
        await super().connect()

    async def authenticated(self, identity: Identity) -> None:
        scope = await database_sync_to_async(scope_of)(identity.user)
        for entry in scope:
            self.joined += groups.for_scope_entry(entry)
        for name in self.joined:
            await self.channel_layer.group_add(name, self.channel_name)
        await self.send_json(
            {
                "type": "ready",
                "user_id": str(identity.user.id),
                "facilities": [str(f) for f in scope.facility_ids()],
            }
        )

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        for name in getattr(self, "joined", []):
            await self.channel_layer.group_discard(name, self.channel_name)

    async def live_poke(self, message: dict) -> None:
        if not await self.token_still_valid():
            return
        await self.send_json(
            {"type": "poke", "cursor": message["cursor"], "facility": message["facility"]}
        )
