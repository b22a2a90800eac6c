"""The one NinjaAPI, at /api/ (docs at /api/docs)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from server.accounts.api import devices_router
from server.accounts.api import router as auth_router
from server.accounts.services import AuthError, device_token_auth, sync_token_auth
from server.hygiene.api import router as hygiene_router
from server.kitchen.api import router as kitchen_router
from server.reports.api import router as reports_router
from server.stock.api import router as meds_router
from server.web.api import staff_router
from sync.api import error
from sync.api import router as sync_router
from sync.conflicts_api import router as conflicts_router

log = logging.getLogger("catruc.api")
INTERNAL_ERROR = gettext_lazy("Lỗi máy chủ; dữ liệu trên máy vẫn được giữ, vui lòng thử lại sau.")

api = NinjaAPI(
    title="Ca Trực API",
    version="1",
    description="Sổ trực chăm sóc cho trung tâm bảo trợ xã hội. Wire contract: docs/protocol.md.",
    auth=device_token_auth,
    urls_namespace="api",
)

api.add_router("/auth", auth_router)
api.add_router("/devices", devices_router)
# The sync call checks its token in the statement that reads what a no-op needs.
api.add_router("/sync", sync_router, auth=sync_token_auth)
api.add_router("/conflicts", conflicts_router)
api.add_router("/hygiene", hygiene_router)
api.add_router("/kitchen", kitchen_router)
api.add_router("/staff", staff_router)
api.add_router("/reports", reports_router)
api.add_router("/meds", meds_router)


@api.exception_handler(AuthError)
def on_auth_error(request: HttpRequest, exc: AuthError) -> HttpResponse:
    return error(exc.status, exc.code, exc.message)


@api.exception_handler(AuthenticationError)
def on_missing_token(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(401, "invalid_token", _("Cần đăng nhập (thiếu mã truy cập)."))


@api.exception_handler(NinjaValidationError)
def on_invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [
        {
            "field": ".".join(
                str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")
            ),
            "message": e.get("msg", ""),
        }
        for e in exc.errors
    ]
    return error(400, "invalid_request", _("Dữ liệu gửi lên không hợp lệ."), details=details)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error(exc.status_code, "http_error", str(exc))


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Phones read `code` from every answer: an HTML error page would read as "not JSON" and
    # tell the user nothing. The traceback goes to the log, never to the client.
    log.error("unhandled API error", exc_info=exc, extra={"path": request.path})
    return error(500, "internal_error", INTERNAL_ERROR)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: what fails outside a view (a middleware) on /api/ is JSON too."""
    if request.path.startswith("/api/"):
        return error(500, "internal_error", INTERNAL_ERROR)
    from django.views.defaults import server_error as html_server_error

    return html_server_error(request)
