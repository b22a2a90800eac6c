"""Who is calling, what their phone reports, and what each member may see (the sync scope).
Giving and revoking tokens: tokens.py.

- Who is calling: a token names its user and device (`identity_for_token`, the bearer check
  of every Ninja route, `device_token_auth`, and of the sockets' first message).
- What the calling phone says of itself, for its managers (docs/protocol.md §2, `client`):
  `device_seen` stamps the Device row the token check already loaded, from the sync call's
  answer (`sync.api.sync_call_answered`), so a call costs no read and at most one UPDATE, none
  when nothing changed and the last stamp is under a minute old. Each write is announced with
  `device_changed` (the dashboard listens: server/live/groups.py). A device's fact is what
  was stamped; why a manager should look at it depends on when it is read, so its readers
  judge that (`rules.health_warnings`: the devices list in api.py, the board's section).
- What each member may see: `scope_of`, read afresh by every sync call; `permits`."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.security import HttpBearer

from server.accounts.errors import AuthError
from server.accounts.models import (
    Device,
    DeviceToken,
    Membership,
    Role,
    User,
    scope_rows,
    token_built,
    token_plan,
    token_with_user_and_device,
)
from server.accounts.roles import FACILITY_WIDE_ROLES, MANAGER_ACTION_ROLES
from server.accounts.rules import clock_skew_kept, clock_skew_of
from sync.api import CallRead, call_read_current, read_with_heads
from sync.registry import Scope, ScopeEntry
from sync.types import types_in_scope

# Re-exported: callers import AuthError from here.
__all__ = ["AuthError"]

log = logging.getLogger("catruc.auth")

# Kitchen staff see every record of the "kitchen" audience (server/kitchen/sync.py)
# facility-wide, whatever area it was logged in.
KITCHEN_AUDIENCE = "kitchen"
# How stale `last_used_at` may get before a use stamps it again: one write an hour per
# token, not one per sync call. The idle limit (days) does not need more precision.
TOKEN_TOUCH_EVERY = timedelta(hours=1)
# A device's health is stamped again at most this often when nothing else changed.
SEEN_EVERY = timedelta(minutes=1)
# The most of a phone's report that is kept (docs/protocol.md §2, `client`).
VERSION_MAX = 40
QUEUED_MAX = 1_000_000
# A phone's clock in epoch milliseconds, as JavaScript's Date.now() gives it (its safe range).
CLOCK_MS_MAX = 2**53 - 1
# After a device's row was written: facility_id, and `fact`, the device as the dashboard reads it.
device_changed = Signal()

INVALID_TOKEN = gettext_lazy("Phiên đăng nhập không hợp lệ. Vui lòng đăng nhập lại.")
DEVICE_REVOKED = gettext_lazy("Thiết bị này đã bị thu hồi. Liên hệ quản lý trực.")


@dataclass(frozen=True)
class Identity:
    """Who is calling: request.auth on every authenticated route."""

    user: User
    device: Device
    token_hash: str
    # Set by the sync call's bearer check: what its first statement read (sync/changes.py).
    call_read: CallRead | None = field(default=None, compare=False, repr=False)

    @property
    def device_id(self) -> UUID:
        return self.device.id


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def identity_for_token(raw: str) -> Identity:
    return identity_for_hash(token_hash(raw))


def identity_for_hash(key_hash: str, *, touch: bool = True) -> Identity:
    """The identity behind a token, or AuthError(401). `touch=False` re-checks an open
    socket without counting it as a use (an idle phone's open socket must not keep its
    token alive forever)."""
    return _identity_checked(token_with_user_and_device(key_hash), key_hash, touch=touch)


def _identity_checked(row: DeviceToken | None, key_hash: str, *, touch: bool) -> Identity:
    if row is None or not row.user.is_active:
        raise AuthError(401, "invalid_token", INVALID_TOKEN)
    if row.device.revoked:
        raise AuthError(401, "device_revoked", DEVICE_REVOKED)
    if row.revoked_at is not None:
        raise AuthError(
            401,
            "token_revoked",
            _("Mật khẩu đã đổi hoặc tài khoản đã bị khóa. Vui lòng đăng nhập lại."),
        )
    now = timezone.now()
    last = row.last_used_at or row.created_at
    if now - last > timedelta(days=settings.TOKEN_IDLE_DAYS):
        raise AuthError(
            401, "token_expired", _("Lâu không dùng nên phiên đã hết hạn. Vui lòng đăng nhập lại.")
        )
    if touch and now - last > TOKEN_TOUCH_EVERY:
        DeviceToken.objects.filter(key_hash=key_hash).update(last_used_at=now)
    return Identity(user=row.user, device=row.device, token_hash=row.key_hash)


# What a worker keeps between one phone's sync calls: whose a token is (it never changes),
# and each user's scope with the scope version and the database epoch it was read at (a
# database restored from a dump has a new epoch, and its sequence may give again a version
# this worker saw after the dump was taken). Bounded: past the limit it
# starts again empty (each phone then pays one scope read).
_KEPT_MAX = 20_000
_token_users: dict[str, UUID] = {}
_scopes: dict[UUID, tuple[tuple[int, str | None], Scope]] = {}


def _keep(store: dict, key: Any, value: Any) -> None:
    if len(store) >= _KEPT_MAX and key not in store:
        store.clear()
    store[key] = value


class DeviceTokenAuth(HttpBearer):
    """The bearer check of the API's routes, answering docs/protocol.md §1's codes."""

    def authenticate(self, request: HttpRequest, token: str) -> Identity:
        # Raising (rather than returning None) lets the API answer device_revoked and
        # invalid_token distinctly; the exception handler in server.api shapes the 401.
        return identity_for_token(token)


device_token_auth = DeviceTokenAuth()


class SyncTokenAuth(HttpBearer):
    """The bearer check of POST /api/sync/v1: the same check on a token row read afresh,
    in one statement with what a no-op call needs besides (`sync.api.read_with_heads`):
    the user's scope version, the epoch, and the heads of the scope this worker kept for
    her. A token revoked, a device revoked, a user deactivated or idle is refused exactly
    as `DeviceTokenAuth` refuses it, on the very next call; a kept scope is used only while
    its version is the one just read, so a membership, role or area changed (in any worker,
    any way: the triggers of migration 0005) is read afresh on the next call."""

    def authenticate(self, request: HttpRequest, token: str) -> Identity:
        key = token_hash(token)
        user_id = _token_users.get(key)
        kept = _scopes.get(user_id) if user_id is not None else None
        alias = DeviceToken.objects.db
        plan = token_plan(alias)
        row, read = read_with_heads(
            plan.columns, plan.tables, plan.where, [key], kept[1].facility_ids() if kept else []
        )
        found, version = token_built(row, alias) if row is not None else (None, 0)
        identity = _identity_checked(found, key, touch=True)
        user_pk = identity.user.pk
        _keep(_token_users, key, user_pk)
        at = (version, read.epoch.value if read.epoch is not None else None)
        current = kept is not None and user_id == user_pk and kept[0] == at
        return replace(
            identity,
            call_read=replace(
                read,
                user_id=user_pk,
                scope=Scope(kept[1]) if kept is not None and current else None,
                version=at,
            ),
        )


sync_token_auth = SyncTokenAuth()


def device_fact(device: Device, last_user: Any) -> dict[str, Any]:
    """The device as its last stamp left it, in the shape of a dashboard fact; its version is
    the last stamp (ms), so an older fact arriving late never hides a newer one."""
    seen = device.last_seen_at
    return {
        "type": "device",
        "id": str(device.id),
        "v": int(seen.timestamp() * 1000) if seen else 0,
        "op": "upsert",
        "data": {
            "name": device.name or str(device.id)[:8],
            "last_user": (last_user.full_name or last_user.username) if last_user else None,
            "last_seen_at": seen.isoformat() if seen else None,
            "last_status": device.last_status or None,
            "app_version": device.app_version or None,
            "queued": device.queued,
            "queued_since": device.queued_since.isoformat() if device.queued_since else None,
            "clock_skew": device.clock_skew,
            "revoked": device.revoked,
        },
    }


@dataclass(frozen=True)
class ClientReport:
    version: str | None = None
    queued: int | None = None
    clock_ms: int | None = None


def client_parse(value: Any) -> ClientReport:
    """What the phone says about itself, read as hostile input: each field that is not what
    the protocol describes is dropped alone, and nothing here ever fails the call."""
    if not isinstance(value, dict):
        return ClientReport()
    version = value.get("version")
    if not (
        isinstance(version, str)
        and 0 < len(version) <= VERSION_MAX
        and version.isascii()
        and version.isprintable()
    ):
        version = None
    queued = value.get("queued")
    if isinstance(queued, bool) or not isinstance(queued, int) or not 0 <= queued <= QUEUED_MAX:
        queued = None
    clock = value.get("clock")
    if isinstance(clock, bool) or not isinstance(clock, int) or not 0 < clock <= CLOCK_MS_MAX:
        clock = None
    return ClientReport(version=version, queued=queued, clock_ms=clock)


def call_status(body: dict[str, Any]) -> str:
    """One word for how the call went: any event refused makes it `rejected`."""
    statuses = {r.get("status") for r in body.get("results", ()) if isinstance(r, dict)}
    return "rejected" if "rejected" in statuses else "ok"


def device_seen(
    sender: Any,
    body: dict[str, Any],
    identity: Identity | None = None,
    client: Any = None,
    **kwargs: Any,
) -> None:
    """Receiver of `sync_call_answered`: stamp the calling device."""
    if identity is None:
        return
    device: Device = identity.device
    report = client_parse(client)
    now = timezone.now()
    values: dict[str, Any] = {"last_user_id": identity.user.pk, "last_status": call_status(body)}
    if report.version is not None:
        values["app_version"] = report.version
    if report.queued is not None:
        values["queued"] = report.queued
        if not report.queued:
            values["queued_since"] = None
        elif not device.queued or device.queued_since is None:
            values["queued_since"] = now
    if report.clock_ms is not None:
        skew = clock_skew_kept(device.clock_skew, clock_skew_of(report.clock_ms, now))
        if skew is not None:
            values["clock_skew"] = skew
    changed = any(getattr(device, k) != v for k, v in values.items())
    if not changed and device.last_seen_at is not None and now - device.last_seen_at < SEEN_EVERY:
        return
    values["last_seen_at"] = now
    Device.objects.filter(id=device.id).update(**values)
    for key, value in values.items():
        setattr(device, key, value)
    if device.facility_id is not None:
        fact = device_fact(device, identity.user)
        device_changed.send(sender=Device, facility_id=device.facility_id, fact=fact)


def devices_of(facility_id: UUID) -> list[Device]:
    """The facility's phones, with who used each last (the devices list, the board)."""
    rows = Device.objects.filter(facility_id=facility_id).select_related("last_user")
    return list(rows.order_by("name", "id"))


def devices_facts(facility_id: UUID) -> list[dict[str, Any]]:
    """The facility's phones, each as `device_fact` shapes it (the board's snapshot)."""
    return [device_fact(d, d.last_user) for d in devices_of(facility_id)]


def memberships_of(user: User) -> list[Membership]:
    return list(
        user.memberships.filter(active=True)
        .select_related("facility")
        .prefetch_related("areas")
        .order_by("facility_id")
    )


def scope_of(user: User) -> Scope:
    """What `user` may pull. In a sync call whose first statement found her kept scope
    current (`SyncTokenAuth`), that one; otherwise one query (memberships joined to their
    areas), kept for her next sync calls under the version read in the first statement —
    read before this query, so a change between the two is read afresh next time."""
    read = call_read_current()
    if read is not None and read.user_id == user.pk:
        if read.scope is not None:
            return read.scope
        scope = _scope_read(user)
        _keep(_scopes, user.pk, (read.version, Scope(scope)))
        return scope
    return _scope_read(user)


def _scope_read(user: User) -> Scope:
    rows = scope_rows(user)
    roles: dict[UUID, str] = {}
    areas: dict[UUID, set[UUID]] = {}
    for facility_id, role, area_id in rows:
        roles[facility_id] = role
        found = areas.setdefault(facility_id, set())
        if area_id is not None:
            found.add(area_id)
    kitchen_types = types_in_scope(KITCHEN_AUDIENCE)
    return Scope(
        ScopeEntry(
            facility_id=facility_id,
            whole_facility=role in FACILITY_WIDE_ROLES,
            area_ids=frozenset(areas[facility_id]),
            extra_types=kitchen_types if role == Role.KITCHEN else frozenset(),
        )
        for facility_id, role in roles.items()
    )


def membership_in(user: User, facility_id: UUID) -> Membership | None:
    for m in memberships_of(user):
        if m.facility_id == facility_id:
            return m
    return None


# admin.manage: which facilities' rows a staff user sees and edits in /admin/ (sync.admin_scope).
MANAGER_ACTIONS = {"conflict.resolve", "device.revoke", "dashboard.view", "admin.manage"}


def permits(user: User, facility_id: UUID, action: str) -> bool:
    m = membership_in(user, facility_id)
    if m is None:
        return False
    if action in MANAGER_ACTIONS:
        return m.role in MANAGER_ACTION_ROLES
    return False
