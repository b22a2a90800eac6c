"""Giving a phone its token, and the ways a token stops working.

- Logging in (`token_issue`, POST /api/auth/token): the password through the shared login
  throttle (server/accounts/throttle.py), then a fresh token for this (user, device).
- A manager revokes a phone (`device_revoke`): all its tokens stop at once.
- A password change or a deactivation (`user_saved`, post_save of User, connected in
  apps.py) ends every token of the user.
Each closes the sockets the tokens hold (4401) once the revocation is committed; the next
call of any of them is refused by the token check (services.py, `identity_for_hash`)."""

from __future__ import annotations

import logging
import secrets
from uuid import UUID

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from server.accounts.errors import AuthError
from server.accounts.models import Device, DeviceToken, User
from server.accounts.services import DEVICE_REVOKED, token_hash
from server.accounts.sockets import device_group, sockets_close, user_group
from server.accounts.throttle import login_check

log = logging.getLogger("catruc.auth")


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
