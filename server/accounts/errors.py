"""The one error type of authentication; the API's exception handler shapes it as JSON."""

from __future__ import annotations


class AuthError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
