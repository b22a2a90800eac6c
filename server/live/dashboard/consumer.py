"""ws /ws/v1/dashboard?facility=<id>: the duty manager's live view.

Protocol: the first message authenticates (`{"type": "auth", "token": ...}`; bad token 4401),
then only managers and admins of that facility stay (`permits(..., "dashboard.view")`, else
4403). The socket answers `ready`, then a `snapshot` (shift, areas, sections), then a `delta`
(changed keys per section) after each commit that touched the facility, and after a clock tick
that turned tasks late. `{"type": "snapshot"}` from the browser asks for a fresh one; a
reconnecting dashboard always starts from a fresh snapshot, and so does a new shift.

`{"type": "view", "date": "YYYY-MM-DD", "shift": "day"}` looks back at a finished shift: the
answer is a `snapshot` with `"past": true`, read from the records, and no delta follows until
`{"type": "snapshot"}` (or a view of the current shift) brings the socket back to now. A view
it cannot give is answered `{"type": "error", "code", "message"}` and changes nothing.
Labels and messages are in the language of the handshake (cookie, then Accept-Language).

Where the projection lives, and why: in the memory of the consumer (the worker holding the
socket), built by `snapshot.dashboard_snapshot` on connect and at each shift start, then
updated by `Projection.apply` from the facts every committing worker publishes to the Redis
channel-layer group `dash.<facility>`. So:
- several uvicorn workers need nothing shared but Redis and PostgreSQL: whichever worker
  commits, its after-commit hook fans the facts out to every worker's dashboards;
- the sync call pays no extra write (no projection table updated inside the transaction,
  no extra row lock on the hot path): the dashboard costs one small group_send per commit;
- each update is incremental (the projection keeps every shift task's last-known status);
  a full recount happens only once per connect or shift, for a handful of managers;
- losing a message (Redis restart) leaves a dashboard stale, never loses data; reconnecting
  or asking for a snapshot heals it.
The cost is one projection per open dashboard, a few hundred KB for a large centre's shift.

Ordering: the consumer joins the group *before* it reads the snapshot, and Channels handles
one message at a time, so a commit is either in the snapshot or in a fact applied after it
(or both: an older version than the one applied is skipped, so replays are harmless).
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs
from uuid import UUID

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from server.accounts.services import Identity, permits
from server.live import groups
from server.live.auth import CLOSE_FORBIDDEN, FirstMessageAuthConsumer
from server.live.dashboard.projection import Projection
from server.live.dashboard.rules import Shift
from server.live.dashboard.snapshot import ViewRefused, dashboard_snapshot, view_shift


def _facility_from_query(query_string: bytes) -> UUID | None:
    values = parse_qs(query_string.decode("latin-1")).get("facility", [])
    try:
        return UUID(values[0]) if values else None
    except ValueError:
        return None


class DashboardConsumer(FirstMessageAuthConsumer):
    # A snapshot (every name and room) re-reads the token first, always. Deltas re-read it
    # at most this often: a query per delta put a database connection on the dashboard's
    # hot path (p95 5 -> 65 ms, docs/performance.md), and the close message sent on
    # revocation is what stops them at once; this bounds what a lost close could leak.
    RECHECK_SECONDS = 10

    async def connect(self) -> None:
        self.facility_id = _facility_from_query(self.scope.get("query_string", b""))
        self.projection: Projection | None = None
        self.group: str | None = None
        self._ticker: asyncio.Task | None = None
        await super().connect()

    async def authenticated(self, identity: Identity) -> None:
        allowed = self.facility_id is not None and await database_sync_to_async(permits)(
            identity.user, self.facility_id, "dashboard.view"
        )
        if not allowed:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        assert self.facility_id is not None
        self.group = groups.dashboard(self.facility_id)
        await self.channel_layer.group_add(
            self.group, self.channel_name
        )  # before the read: see above
        await self.send_json(
            {"type": "ready", "user_id": str(identity.user.id), "facility": str(self.facility_id)}
        )
        await self._send_snapshot()
        self._ticker = asyncio.ensure_future(self._tick_loop())

    async def receive_authenticated(self, content: dict) -> None:
        if content.get("type") == "snapshot" and self.projection is not None:
            await self._send_snapshot()
            return
        if content.get("type") == "view" and self.projection is not None:
            await self._view(content)
            return
        await super().receive_authenticated(content)

    async def _view(self, content: dict) -> None:
        assert self.facility_id is not None
        try:
            shift = await database_sync_to_async(view_shift)(
                facility_id=self.facility_id,
                day=content.get("date"),
                name=content.get("shift"),
                now=timezone.now(),
            )
        except ViewRefused as refused:
            await self.send_json(
                {"type": "error", "code": refused.code, "message": refused.message}
            )
            return
        await self._send_snapshot(shift)

    async def _send_snapshot(self, shift: Shift | None = None) -> None:
        """The current shift's snapshot (deltas follow), or a finished shift's (none do)."""
        assert self.facility_id is not None
        self.projection = await database_sync_to_async(dashboard_snapshot)(
            facility_id=self.facility_id, now=timezone.now(), shift=shift
        )
        if not await self.token_still_valid(force=True):
            return
        await self.send_json(
            {
                "type": "snapshot",
                "server_time": timezone.now().isoformat(),
                **self.projection.snapshot(),
            }
        )

    async def _tick_loop(self) -> None:
        # The tick goes through our own channel so it is handled in turn with the facts,
        # never in the middle of one.
        while True:
            await asyncio.sleep(settings.DASHBOARD_TICK_SECONDS)
            await self.channel_layer.send(self.channel_name, {"type": "dashboard.tick"})

    async def dashboard_facts(self, message: dict) -> None:
        if self.projection is None or self.projection.past:
            return
        delta = self.projection.apply(message["facts"], timezone.now())
        if delta and await self.token_still_valid():
            await self.send_json({"type": "delta", "seq": message.get("seq"), "sections": delta})

    async def dashboard_rota(self, message: dict) -> None:
        """The rota of the facility changed: the current shift's "on shift" is rebuilt."""
        if self.projection is not None and not self.projection.past:
            await self._send_snapshot()

    async def dashboard_tick(self, message: dict) -> None:
        if self.projection is None or self.projection.past:
            return
        now = timezone.now()
        if now >= self.projection.shift.end:
            await self._send_snapshot()
            return
        delta = self.projection.tick(now)
        if delta and await self.token_still_valid():
            await self.send_json({"type": "delta", "seq": None, "sections": delta})

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        if self._ticker is not None:
            self._ticker.cancel()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
