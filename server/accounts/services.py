"""Tokens, devices, login throttling, and what each member may see (the sync scope)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import connections, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from server.accounts.errors import AuthError
from server.accounts.models import Device, DeviceToken, Membership, Role, User
from server.accounts.roles import FACILITY_WIDE_ROLES, MANAGER_ACTION_ROLES
from server.accounts.sockets import device_group, sockets_close, user_group
from server.accounts.throttle import login_check
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


def token_issue(
    *, username: str, password: str, device_id: UUID, device_name: str, client: str
) -> tuple[str, User]:
    """Check the password (through the shared login throttle, server.accounts.throttle) and
    give this (user, device) a fresh token."""
    login_check(username, client)
    user = authenticate(username=username, password=password, client=client)
    if user is None:
        raise AuthError(401, "invalid_credentials", _("Tên đăng nhập hoặc mật khẩu không đúng."))
    with transaction.atomic():
        device, created = Device.objects.select_for_update().get_or_create(
            id=device_id, defaults={"name": device_name[:120]}
        )
        if device.revoked:
            raise AuthError(401, "device_revoked", DEVICE_REVOKED)
        memberships = list(user.memberships.filter(active=True).select_related("facility"))
        if device.facility_id is not None and all(
            m.facility_id != device.facility_id for m in memberships
        ):
            # The phone belongs to another centre: logging in must not make it ours (its
            # device_seq stream, its revocation and its manager stay where they are).
            raise AuthError(
                403,
                "device_other_facility",
                _("Thiết bị này đã đăng ký cho trung tâm khác. Liên hệ quản lý trực."),
            )
        if created or (device_name and device.name != device_name):
            device.name = device_name[:120] or device.name
            device.facility = device.facility or (memberships[0].facility if memberships else None)
            device.save()
        raw = secrets.token_urlsafe(32)
        DeviceToken.objects.create(
            key_hash=token_hash(raw), user=user, device=device, last_used_at=timezone.now()
        )
    return raw, user


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
            col = field.get_col(table)
            columns.append(f"{quote(table)}.{quote(str(field.column))}")
            names.append(field.attname)
            converters.append(
                (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
            )
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


def _sockets_close_after_commit(group: str) -> None:
    # After the commit, so a socket re-checking its token on the close sees the revocation;
    # still before the revoking call returns (no outer transaction spans a request).
    transaction.on_commit(lambda: sockets_close(group))


def device_revoke(*, device: Device, by: User) -> Device:
    """Revoke a phone: all its tokens stop working at once (the rows stay for the audit) and
    every socket it holds is closed with 4401."""
    with transaction.atomic():
        if device.revoked_at is None:
            device.revoked_at = timezone.now()
            device.revoked_by = by
            device.save(update_fields=["revoked_at", "revoked_by"])
        _sockets_close_after_commit(device_group(device.id))
    return device


def user_tokens_revoke(user: User) -> int:
    """Every token of this user stops working and their sockets close: after a password
    change or a deactivation, a phone holding an old token must ask for the password."""
    with transaction.atomic():
        count = DeviceToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if count:  # no working token, no socket to close (each re-reads its own)
            _sockets_close_after_commit(user_group(user.pk))
            log.info("revoked %d token(s) of user %s", count, user.pk)
    return count


def user_saved(sender, instance: User, created: bool, **kwargs) -> None:
    """post_save of User: a new password or a deactivation ends every token of the user.

    `_password` is set only by set_password and cleared after post_save; Django clears it
    itself when check_password merely rehashes, so an upgraded hash is not a change."""
    if created:
        return
    if getattr(instance, "_password", None) is not None or not instance.is_active:
        user_tokens_revoke(instance)


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
        col = field.get_col(at)  # type: ignore[union-attr]
        columns.append(f"{quote(at)}.{quote(str(field.column))}")  # type: ignore[union-attr]
        converters.append(
            (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
        )

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
