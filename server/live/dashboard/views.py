"""GET /dashboard/: the duty manager's page, server-rendered.

Managers sit at a desk browser and watch the centre live: the page needs no offline shell
and no build step, so Django renders it and one ES module drives it (login through
POST /api/auth/token, the socket, the resolve call).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    response = render(request, "dashboard/index.html", {})
    # The page holds no data (it all comes over the socket after login); never serve it stale.
    response["Cache-Control"] = "no-cache"
    return response
