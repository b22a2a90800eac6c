"""The two websockets, /ws/v1/live (a phone's pokes) and /ws/v1/dashboard (the duty
manager's board), and the first-message authentication both are built on (browsers cannot
set headers on a websocket), with what keeps a socket honest afterwards.

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
from urllib.parse import parse_qs
from uuid import UUID

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import timezone, translation

from server.accounts.services import (
    AuthError,
    Identity,
    identity_for_hash,
    identity_for_token,
    permits,
    scope_of,
)
from server.accounts.sockets import device_group, user_group
from server.language import scope_language
from server.live import groups
from server.live.dashboard.projection import Projection
from server.live.dashboard.rules import Shift
from server.live.dashboard.snapshot import ViewRefused, dashboard_snapshot, view_shift

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


class LiveConsumer(FirstMessageAuthConsumer):
    """ws /ws/v1/live: pokes a phone when its scope has new changes."""

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


def _facility_from_query(query_string: bytes) -> UUID | None:
    values = parse_qs(query_string.decode("latin-1")).get("facility", [])
    try:
        return UUID(values[0]) if values else None
    except ValueError:
        return None


class DashboardConsumer(FirstMessageAuthConsumer):
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
