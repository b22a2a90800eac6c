"""The channel-layer groups of one phone's and one user's sockets, and the message that
closes them. Accounts owns them (it revokes); server.live's consumers join them on auth."""

from __future__ import annotations

import logging
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger("catruc.live")


def device_group(device_id: UUID | str) -> str:
    return f"dev.{device_id}"


def user_group(user_id: UUID | str) -> str:
    return f"user.{user_id}"


def sockets_close(name: str) -> None:
    """Ask every socket in the group to close with 4401 (server/live/consumers.py).

    A lost message cannot leak for long: the consumers also re-read their token before
    sending, so this is the fast path, not the only guard."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(name, {"type": "auth.revoked"})
    except Exception:
        log.warning("closing the sockets of %s failed", name, exc_info=True)
