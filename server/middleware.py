"""One shape for the project's middleware that runs under both WSGI and ASGI.

Django calls a middleware either synchronously or, under uvicorn, as a coroutine; writing
both paths by hand in every middleware let them drift. A subclass says what happens around
the view (`before`, `after`, and `done`, which runs even when the view raised), and this
base runs it on whichever path Django chose.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction


class AroundViewMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def before(self, request: Any) -> Any:
        """Runs before the view; what it returns is handed to `after` and `done`."""
        return None

    def after(self, request: Any, response: Any, state: Any) -> Any:
        return response

    def done(self, state: Any) -> None:
        """Runs last, whether the view answered or raised."""

    def __call__(self, request: Any) -> Any:
        if self.is_async:
            return self._acall(request)
        state = self.before(request)
        try:
            return self.after(request, self.get_response(request), state)
        finally:
            self.done(state)

    async def _acall(self, request: Any) -> Any:
        state = self.before(request)
        try:
            return self.after(request, await self.get_response(request), state)
        finally:
            self.done(state)
