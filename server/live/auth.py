"""First-message authentication for websockets (browsers cannot set headers on them)."""

from __future__ import annotations

from channels.db import database_sync_to_async

from server.accounts.services import AuthError, Identity, identity_for_token

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


@database_sync_to_async
def identity_from_message(message: dict) -> Identity | None:
    if message.get("type") != "auth" or not isinstance(message.get("token"), str):
        return None
    try:
        return identity_for_token(message["token"])
    except AuthError:
        return None
