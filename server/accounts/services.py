"""Who is calling, what their phone reports, and what each member may see (the sync scope).
Giving and revoking tokens: tokens.py.

- Who is calling: a token names its user and device (`identity_for_token`, the bearer check
  of every Ninja route, `device_token_auth`, and of the sockets' first message).
- What the calling phone says of itself, for its managers (docs/protocol.md §2, `client`; the
  rules in `rules.py`): `device_seen` stamps the Device row the token check already loaded,
  from the sync call's answer (`sync.api.sync_call_answered`), so a call costs no read and at
  most one UPDATE, none when nothing changed and the last stamp is under a minute old. Each
  write is announced with `device_changed` (the dashboard listens:
  server/live/dashboard/facts.py).
- What each member may see: `scope_of`, read afresh by every sync call; `permits`."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connections
from django.db.models import Model
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.security import HttpBearer

from server.accounts.errors import AuthError
from server.accounts.models import Device, DeviceToken, Membership, Role, User
from server.accounts.roles import FACILITY_WIDE_ROLES, MANAGER_ACTION_ROLES
from server.accounts.rules import call_status, client_parse, health_warnings
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

    @property
    def device_id(self) -> UUID:
        return self.device.id


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# The token's row with its user and device, one statement written once per process. Every
# authenticated call (every sync call, the no-op included) looks its token up, and the ORM
# compiled that three-table select_related anew each time: ~0.5 ms of CPU of a ~0.9 ms lookup
# (docs/performance.md, "No-op"). The same statement (every concrete column of the three
# models, the token by its primary key, both joins), and the instances built as the ORM
# builds them: each column through the backend's and the field's converters, Model.from_db,
# the user and device cached on the token's foreign keys.
_MODELS: tuple[type[Model], ...] = (DeviceToken, User, Device)


@cache
def _plan(
    alias: str,
) -> tuple[str, list[tuple[type[Model], list[str], list[tuple[Any, list[Callable]]]]]]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns: list[str] = []
    layout = []
    for model in _MODELS:
        table = str(model._meta.db_table)
        names, converters = [], []
        for field in model._meta.concrete_fields:
            selected, reader = _column_read(connection, table, field)
            columns.append(selected)
            names.append(field.attname)
            converters.append(reader)
        layout.append((model, names, converters))
    token = quote(str(DeviceToken._meta.db_table))
    joins = "".join(
        f" INNER JOIN {quote(str(model._meta.db_table))}"
        f" ON ({token}.{quote(str(DeviceToken._meta.get_field(fk).column))}"  # type: ignore[union-attr]
        f" = {quote(str(model._meta.db_table))}.{quote(str(model._meta.pk.column))})"
        for model, fk in ((User, "user"), (Device, "device"))
    )
    pk = quote(str(DeviceToken._meta.pk.column))
    sql = f"SELECT {', '.join(columns)} FROM {token}{joins} WHERE {token}.{pk} = %s"
    return sql, layout


def token_with_user_and_device(key_hash: str) -> DeviceToken | None:
    """`DeviceToken.objects.select_related("user", "device").filter(key_hash=…).first()`."""
    alias = DeviceToken.objects.db
    sql, layout = _plan(alias)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    objects: list[Any] = []
    at = 0
    for model, names, converters in layout:
        values = _converted(row[at : at + len(names)], converters, connection)
        at += len(names)
        objects.append(model.from_db(alias, names, list(values)))
    token, user, device = objects
    DeviceToken._meta.get_field("user").set_cached_value(token, user)
    DeviceToken._meta.get_field("device").set_cached_value(token, device)
    return token


def identity_for_token(raw: str) -> Identity:
    return identity_for_hash(token_hash(raw))


def identity_for_hash(key_hash: str, *, touch: bool = True) -> Identity:
    """The identity behind a token, or AuthError(401). `touch=False` re-checks an open
    socket without counting it as a use (an idle phone's open socket must not keep its
    token alive forever)."""
    row = token_with_user_and_device(key_hash)
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


class DeviceTokenAuth(HttpBearer):
    """The bearer check of the API's routes, answering docs/protocol.md §1's codes."""

    def authenticate(self, request: HttpRequest, token: str) -> Identity:
        # Raising (rather than returning None) lets the API answer device_revoked and
        # invalid_token distinctly; the exception handler in server.api shapes the 401.
        return identity_for_token(token)


device_token_auth = DeviceTokenAuth()


def device_fact(device: Device, last_user: Any, now: datetime) -> dict[str, Any]:
    """The device as managers read it, in the shape of a dashboard fact; its version is the
    last stamp (ms), so an older fact arriving late never hides a newer one."""
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
            "revoked": device.revoked,
            "warnings": health_warnings(
                last_seen_at=seen, queued=device.queued, queued_since=device.queued_since, now=now
            ),
        },
    }


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
    changed = any(getattr(device, k) != v for k, v in values.items())
    if not changed and device.last_seen_at is not None and now - device.last_seen_at < SEEN_EVERY:
        return
    values["last_seen_at"] = now
    Device.objects.filter(id=device.id).update(**values)
    for key, value in values.items():
        setattr(device, key, value)
    if device.facility_id is not None:
        fact = device_fact(device, identity.user, now)
        device_changed.send(sender=Device, facility_id=device.facility_id, fact=fact)


def devices_facts(facility_id: UUID, now: datetime) -> list[dict[str, Any]]:
    """The facility's phones, each as `device_fact` shapes it (the devices list, the board)."""
    rows = Device.objects.filter(facility_id=facility_id).select_related("last_user")
    return [device_fact(d, d.last_user, now) for d in rows.order_by("name", "id")]


def memberships_of(user: User) -> list[Membership]:
    return list(
        user.memberships.filter(active=True)
        .select_related("facility")
        .prefetch_related("areas")
        .order_by("facility_id")
    )


@cache
def _scope_plan(alias: str) -> tuple[str, list[tuple[Any, list[Callable]]]]:
    # Membership.objects.filter(user=user, active=True).order_by("facility_id")
    #   .values_list("facility_id", "role", "areas__id"), written once like the token's.
    connection = connections[alias]
    quote = connection.ops.quote_name
    table = str(Membership._meta.db_table)
    through = Membership._meta.get_field("areas").remote_field.through._meta  # type: ignore[union-attr]
    link = str(through.db_table)
    fields = [(table, Membership._meta.get_field(n)) for n in ("facility", "role")]
    fields.append((link, through.get_field("area")))
    columns, converters = [], []
    for at, field in fields:
        selected, reader = _column_read(connection, at, field)
        columns.append(selected)
        converters.append(reader)

    def column(name: str, at: str = table, meta: Any = Membership._meta) -> str:
        return f"{quote(at)}.{quote(str(meta.get_field(name).column))}"

    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(table)} LEFT OUTER JOIN {quote(link)}"
        f" ON ({column('id')} = {column('membership', link, through)})"
        f" WHERE ({column('active')} AND {column('user')} = %s) ORDER BY 1 ASC"
    )
    return sql, converters


def _scope_rows(user: User) -> list[tuple]:
    alias = Membership.objects.db
    sql, converters = _scope_plan(alias)
    connection = connections[alias]
    user_id = Membership._meta.get_field("user").get_db_prep_value(user.pk, connection)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        rows = cursor.fetchall()
    if not any(convert for _, convert in converters):
        return rows
    return [_converted(row, converters, connection) for row in rows]


def _column_read(connection: Any, table: str, field: Any) -> tuple[str, tuple[Any, list[Callable]]]:
    """A field's quoted column for a hand-written SELECT, and what turns its raw value into
    the field's value: the backend's converters, then the field's, as the ORM applies them."""
    col = field.get_col(table)
    quote = connection.ops.quote_name
    converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
    return f"{quote(table)}.{quote(str(field.column))}", (col, converters)


def _converted(row: Any, converters: list[tuple[Any, list[Callable]]], connection: Any) -> tuple:
    out = []
    for value, (col, field_converters) in zip(row, converters, strict=True):
        for convert in field_converters:
            value = convert(value, col, connection)
        out.append(value)
    return tuple(out)


def scope_of(user: User) -> Scope:
    # One query (memberships joined to their areas), read afresh on every call: a changed
    # role, area or revoked membership takes effect on the very next sync. Every sync reads
    # it, so it is kept to a single round trip rather than cached.
    rows = _scope_rows(user)
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
