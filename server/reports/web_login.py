"""The web login for the printable papers: Django's session login, in Vietnamese. The login
throttle sits in the authentication backend (server/accounts/throttle.py), so this form shares
the phones' and the admin's counters without counting anything itself."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from server.accounts.throttle import RATE_LIMITED, client_address, login_blocked

HOME = "/reports/"


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or HOME
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else HOME


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_page(request: HttpRequest) -> HttpResponse:
    context = {"next": _next(request), "error": "", "username": ""}
    if request.method != "POST":
        return render(request, "reports/login.html", context)
    username = request.POST.get("username", "")[:150]
    password = request.POST.get("password", "")[:200]
    context["username"] = username
    if login_blocked(username, client_address(request)):
        context["error"] = str(RATE_LIMITED)
        return render(request, "reports/login.html", context, status=429)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        context["error"] = _("Tên đăng nhập hoặc mật khẩu không đúng.")
        return render(request, "reports/login.html", context, status=401)
    login(request, user)
    return HttpResponseRedirect(context["next"])


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(settings.LOGIN_URL)
