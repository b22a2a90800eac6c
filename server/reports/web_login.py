"""The web login for the printable papers: Django's session login, in Vietnamese, with the
same failure throttle (same counters) as the phones' POST /api/auth/token."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from server.accounts.api import _client_address
from server.accounts.services import _throttle_key

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
    key = _throttle_key(username, _client_address(request))
    if cache.get(key, 0) >= settings.LOGIN_MAX_FAILURES:
        context["error"] = "Sai mật khẩu quá nhiều lần. Vui lòng thử lại sau 15 phút."
        return render(request, "reports/login.html", context, status=429)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW_SECONDS)
        context["error"] = "Tên đăng nhập hoặc mật khẩu không đúng."
        return render(request, "reports/login.html", context, status=401)
    cache.delete(key)
    login(request, user)
    return HttpResponseRedirect(context["next"])


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(settings.LOGIN_URL)
