"""Tokens, devices, login throttling, and what each member may see (the sync scope)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from server.accounts.models import FACILITY_WIDE_ROLES, Device, DeviceToken, Membership, Role, User
from server.metrics import login_throttled
from sync.registry import Scope, ScopeEntry

# Kitchen staff see every food record of the facility, whatever area it was logged in.
KITCHEN_TYPES = frozenset({"food_sample", "food_check", "fridge_reading", "menu_dish"})


class AuthError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


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


def _throttle_key(username: str, client: str) -> str:
    return "login-fail:" + hashlib.sha256(f"{username.lower()}|{client}".encode()).hexdigest()


def token_issue(
    *, username: str, password: str, device_id: UUID, device_name: str, client: str
) -> tuple[str, User]:
    """Check the password and give this (user, device) a fresh token.

    Failures are counted per (username, client address) so one person guessing cannot
    lock everybody on the shared centre Wi-Fi out, and one address cannot spray usernames
    without each being counted.
    """
    key = _throttle_key(username, client)
    failures = cache.get(key, 0)
    if failures >= settings.LOGIN_MAX_FAILURES:
        login_throttled()  # /metrics
        raise AuthError(
            429, "rate_limited", "Sai mật khẩu quá nhiều lần. Vui lòng thử lại sau 15 phút."
        )
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW_SECONDS)
        raise AuthError(401, "invalid_credentials", "Tên đăng nhập hoặc mật khẩu không đúng.")
    cache.delete(key)
    with transaction.atomic():
        device, created = Device.objects.select_for_update().get_or_create(
            id=device_id, defaults={"name": device_name[:120]}
        )
        if device.revoked:
            raise AuthError(
                401, "device_revoked", "Thiết bị này đã bị thu hồi. Liên hệ quản lý trực."
            )
        membership = user.memberships.filter(active=True).select_related("facility").first()
        if created or (device_name and device.name != device_name):
            device.name = device_name[:120] or device.name
            device.facility = device.facility or (membership.facility if membership else None)
            device.save()
        raw = secrets.token_urlsafe(32)
        DeviceToken.objects.create(key_hash=token_hash(raw), user=user, device=device)
    return raw, user


def identity_for_token(raw: str) -> Identity:
    row = (
        DeviceToken.objects.select_related("user", "device")
        .filter(key_hash=token_hash(raw))
        .first()
    )
    if row is None or not row.user.is_active:
        raise AuthError(
            401, "invalid_token", "Phiên đăng nhập không hợp lệ. Vui lòng đăng nhập lại."
        )
    if row.device.revoked:
        raise AuthError(401, "device_revoked", "Thiết bị này đã bị thu hồi. Liên hệ quản lý trực.")
    return Identity(user=row.user, device=row.device, token_hash=row.key_hash)


def device_revoke(*, device: Device, by: User) -> Device:
    """Revoke a phone: all its tokens stop working at once (the rows stay for the audit)."""
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.revoked_by = by
        device.save(update_fields=["revoked_at", "revoked_by"])
    return device


def memberships_of(user: User) -> list[Membership]:
    return list(
        user.memberships.filter(active=True)
        .select_related("facility")
        .prefetch_related("areas")
        .order_by("facility_id")
    )


def scope_of(user: User) -> Scope:
    # One query (memberships joined to their areas), read afresh on every call: a changed
    # role, area or revoked membership takes effect on the very next sync. Every sync reads
    # it, so it is kept to a single round trip rather than cached.
    rows = (
        Membership.objects.filter(user=user, active=True)
        .order_by("facility_id")
        .values_list("facility_id", "role", "areas__id")
    )
    roles: dict[UUID, str] = {}
    areas: dict[UUID, set[UUID]] = {}
    for facility_id, role, area_id in rows:
        roles[facility_id] = role
        found = areas.setdefault(facility_id, set())
        if area_id is not None:
            found.add(area_id)
    return Scope(
        ScopeEntry(
            facility_id=facility_id,
            whole_facility=role in FACILITY_WIDE_ROLES,
            area_ids=frozenset(areas[facility_id]),
            extra_types=KITCHEN_TYPES if role == Role.KITCHEN else frozenset(),
        )
        for facility_id, role in roles.items()
    )


def membership_in(user: User, facility_id: UUID) -> Membership | None:
    for m in memberships_of(user):
        if m.facility_id == facility_id:
            return m
    return None


MANAGER_ACTIONS = {"conflict.resolve", "device.revoke", "dashboard.view"}


def permits(user: User, facility_id: UUID, action: str) -> bool:
    m = membership_in(user, facility_id)
    if m is None:
        return False
    if action in MANAGER_ACTIONS:
        return m.role in {Role.MANAGER, Role.ADMIN}
    return False
