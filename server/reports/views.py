"""The printable papers under /reports/, for a web session (the web login): the periodic
report (with the director's text form), the QĐ 1246 forms, sample labels and CSV exports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from server.accounts.roles import FOOD_FORM_ROLES, REPORT_ROLES, STOCK_ROLES
from server.accounts.services import memberships_of
from server.care.models import Facility
from server.kitchen.models import FoodSample
from server.reports import labels as L
from server.reports.access import Refusal, paper_access
from server.reports.export import EXPORTS, MAX_EXPORT_DAYS, export_csv
from server.reports.files import attachment, streamed
from server.reports.food_safety import food_safety_context
from server.reports.models import PeriodReport
from server.reports.papers import document_of, report_file
from server.reports.periods import Period
from server.reports.stock import HEADINGS as STOCK_HEADINGS
from server.reports.stock import REGISTER_HEADINGS, controlled_register, stock_month
from server.reports.stock import SOURCE as STOCK_SOURCE
from server.reports.stock_xlsx import stock_file
from server.reports.store import NUMBER_FIELDS, TEXT_FIELDS, AlreadySent, mark_sent, text_save


def paper_page(roles: frozenset[str]) -> Callable:
    """Logged in, and a member of the centre in the URL with one of these roles; else the
    Vietnamese 403 page (the code of another centre is no secret, its papers are)."""

    def wrap(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def inner(request: HttpRequest, code: str, *args: Any, **kwargs: Any) -> HttpResponse:
            facility = Facility.objects.filter(code=code).first()
            if facility is None:
                raise Http404
            if not request.user.is_superuser:
                result = paper_access(request.user, facility.id, roles)
                if isinstance(result, Refusal):
                    return render(request, "reports/forbidden.html", status=403)
            return view(request, facility, *args, **kwargs)

        return inner

    return wrap


@login_required
def index_page(request: HttpRequest) -> HttpResponse:
    mine = [
        m
        for m in memberships_of(request.user)  # type: ignore[arg-type]
        if m.role in FOOD_FORM_ROLES | STOCK_ROLES
    ]
    if not mine and not request.user.is_superuser:
        return render(request, "reports/forbidden.html", status=403)
    today = timezone.localdate()
    last_month = today.replace(day=1) - timedelta(days=1)
    centres = [
        {
            "facility": m.facility,
            "reports": m.role in REPORT_ROLES,
            "food": m.role in FOOD_FORM_ROLES,
            "stock": m.role in STOCK_ROLES,
        }
        for m in mine
    ] or [
        {"facility": f, "reports": True, "food": True, "stock": True}
        for f in Facility.objects.order_by("name")
    ]
    return render(
        request,
        "reports/index.html",
        {
            "centres": centres,
            "today": today,
            "this_month": f"{today:%Y-%m}",
            "last_month": f"{last_month:%Y-%m}",
            "exports": EXPORTS,
            "month_start": today.replace(day=1),
        },
    )


def _period_page(request: HttpRequest, facility: Facility, period: Period) -> HttpResponse:
    fmt = request.GET.get("format", "html")
    if fmt in ("docx", "xlsx"):
        return attachment(*report_file(facility, period, fmt))
    message = ""
    if request.method == "POST":
        try:
            fields = _form_fields(request)
            text_save(facility=facility, period=period, fields=fields, by=request.user)
            if "sent" in request.POST:
                mark_sent(facility=facility, period=period, by=request.user)
            return HttpResponseRedirect(request.path)
        except AlreadySent:
            message = _("Báo cáo đã gửi Sở: không sửa được nữa.")
        except ValueError:
            message = _("Số người phải là số nguyên không âm.")
    report, document = document_of(facility, period)
    record = PeriodReport.objects.filter(facility=facility, period=period.key).first()
    return render(
        request,
        "reports/monthly.html",
        {"r": report, "d": document, "record": record, "period": period, "message": message},
    )


def _form_fields(request: HttpRequest) -> dict[str, Any]:
    fields: dict[str, Any] = {
        k: request.POST.get(k, "")[:4000].replace("\x00", "") for k in TEXT_FIELDS
    }
    fields["number"] = fields["number"][:20]
    for key in NUMBER_FIELDS:
        raw = request.POST.get(key, "").strip()
        value = int(raw) if raw else None
        if value is not None and not 0 <= value <= 100000:
            raise ValueError(key)
        fields[key] = value
    return fields


@paper_page(REPORT_ROLES)
def monthly_page(request: HttpRequest, facility: Facility, month: str) -> HttpResponse:
    try:
        period = Period.parse(month)
    except ValueError as exc:
        raise Http404 from exc
    return _period_page(request, facility, period)


@paper_page(REPORT_ROLES)
def periodic_page(request: HttpRequest, facility: Facility, kind: str, year: str) -> HttpResponse:
    try:
        period = Period.of(kind, year)
    except ValueError as exc:
        raise Http404 from exc
    return _period_page(request, facility, period)


def _day(text: str) -> date:
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        raise Http404
    return day


@paper_page(FOOD_FORM_ROLES)
def food_safety_page(request: HttpRequest, facility: Facility, day: str) -> HttpResponse:
    return render(request, "reports/food_safety.html", food_safety_context(facility, _day(day)))


@paper_page(FOOD_FORM_ROLES)
def labels_page(request: HttpRequest, facility: Facility, day: str) -> HttpResponse:
    """Mẫu số 4: one label per sample of the day, or only ?sample=<id>."""
    on = _day(day)
    samples = FoodSample.objects.filter(facility=facility, void=False, taken_at__date=on)
    wanted = request.GET.get("sample")
    if wanted:
        samples = samples.filter(id=wanted) if _is_uuid(wanted) else samples.none()
    rows = [
        {
            "meal": L.MEAL.get(s.meal, ""),
            "dish": s.dish,
            "taken": timezone.localtime(s.taken_at),
            "by": s.taken_by.full_name or s.taken_by.username,
        }
        for s in samples.select_related("taken_by").order_by("taken_at")
    ]
    return render(request, "reports/labels.html", {"facility": facility, "labels": rows})


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


@paper_page(REPORT_ROLES)
def export_page(request: HttpRequest, facility: Facility) -> HttpResponseBase:
    kind = request.GET.get("type", "")
    try:
        start = parse_date(request.GET.get("from", ""))
        end = parse_date(request.GET.get("to", ""))
    except ValueError:
        start = end = None
    if start is None or end is None or kind not in EXPORTS:
        return render(request, "reports/bad_request.html", status=400)
    if not 0 <= (end - start).days <= MAX_EXPORT_DAYS:
        return render(request, "reports/bad_request.html", status=400)
    return streamed(*export_csv(facility, kind, start, end))


@login_required
def pick_page(request: HttpRequest, code: str, paper: str) -> HttpResponse:
    """The index's month / day pickers (a plain GET form) land on the paper's own address."""
    value = request.GET.get("on", "")
    if paper not in ("monthly", "food-safety") or not value.replace("-", "").isdigit():
        return render(request, "reports/bad_request.html", status=400)
    return HttpResponseRedirect(f"/reports/{paper}/{code}/{value}/")


@paper_page(STOCK_ROLES)
def stock_page(request: HttpRequest, facility: Facility, month: str) -> HttpResponse:
    """The month's nhập – xuất – tồn and the controlled-drug register, printable."""
    try:
        period = Period.parse(month)
    except ValueError as exc:
        raise Http404 from exc
    report = stock_month(facility=facility, month=period)
    register = controlled_register(facility=facility, month=period)
    for row in report["rows"]:
        row["source"] = STOCK_SOURCE[row["funding_source"]]
    for drug in register["drugs"]:
        for line in drug["lines"]:
            line["source"] = STOCK_SOURCE[line["funding_source"]]
    if request.GET.get("format") == "xlsx":
        return attachment(*stock_file(facility, period))
    context = {
        "facility": facility,
        "report": report,
        "register": register,
        "headings": STOCK_HEADINGS,
        "register_headings": REGISTER_HEADINGS,
        "xlsx": "?format=xlsx",
    }
    return render(request, "reports/stock.html", context)
