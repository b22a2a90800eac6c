"""The one error type of authentication; the API's exception handler shapes it as JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise


class AuthError(Exception):
    def __init__(self, status: int, code: str, message: _StrOrPromise) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = str(message)  # a lazy constant, in the caller's language
