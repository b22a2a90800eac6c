"""Bearer-token authentication for Ninja routes, answering docs/protocol.md §1's codes."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from server.accounts.services import Identity, identity_for_token


class DeviceTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Identity:
        # Raising (rather than returning None) lets the API answer device_revoked and
        # invalid_token distinctly; the exception handler in server.api shapes the 401.
        return identity_for_token(token)


device_token_auth = DeviceTokenAuth()
