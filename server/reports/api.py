"""The centre's papers over the API (bearer token): the periodic report as JSON, xlsx or
docx, the director's text for it, the QĐ 1246 food-safety forms, and CSV exports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date as Date
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Router, Schema
from pydantic import Field

from server.accounts.models import Membership
from server.accounts.roles import FOOD_FORM_ROLES, REPORT_ROLES, STOCK_ROLES
from server.reports.access import Refusal, paper_access
from server.reports.export import EXPORTS, MAX_EXPORT_DAYS, export_csv
from server.reports.files import attachment, streamed
from server.reports.food_safety import food_safety_html, food_safety_xlsx
from server.reports.monthly import monthly_report
from server.reports.papers import FORMATS, report_file
from server.reports.periods import KINDS, Period
from server.reports.stock import controlled_register, stock_month
from server.reports.stock_xlsx import stock_file
from server.reports.store import AlreadySent, mark_sent, text_save
from sync.api import error, json_response

router = Router(tags=["reports"])

BAD_MONTH = gettext_lazy("Tháng phải có dạng YYYY-MM, ví dụ 2026-11.")
BAD_PERIOD = gettext_lazy("Kỳ báo cáo là month (tháng=YYYY-MM), 9m hoặc year (năm=YYYY).")


def _access(
    request: HttpRequest, facility: UUID, roles: frozenset[str]
) -> Membership | HttpResponse:
    """The caller's membership in the centre, or its refusal as the answer."""
    result = paper_access(request.auth.user, facility, roles)  # type: ignore[attr-defined]
    if isinstance(result, Refusal):
        return error(result.status, result.code, result.message)
    return result


def _period(period: str, month: str | None, year: int | None) -> Period | HttpResponse:
    try:
        if period == "month":
            return Period.parse(month or "")
        return Period.of(period, str(year if year is not None else (month or "")[:4]))
    except ValueError:
        return error(
            400,
            "invalid_month" if period == "month" else "invalid_period",
            BAD_PERIOD if period != "month" else BAD_MONTH,
        )


def _report(request: HttpRequest, facility: UUID, period: Period, fmt: str) -> HttpResponse:
    membership = _access(request, facility, REPORT_ROLES)
    if isinstance(membership, HttpResponse):
        return membership
    if fmt not in FORMATS:
        return error(400, "invalid_format", _("Định dạng là json, xlsx hoặc docx."))
    centre = membership.facility
    if fmt == "json":
        return json_response(monthly_report(facility=centre, month=period))
    return attachment(*report_file(centre, period, fmt))


@router.get("/monthly", summary="The monthly report (json, or xlsx / docx as sent)")
def reports_monthly(
    request: HttpRequest, facility: UUID, month: str, format: str = "json"
) -> HttpResponse:
    return reports_periodic(request, facility, "month", month=month, format=format)


@router.get("/periodic", summary="The 9-month or yearly report (or a month), same formats")
def reports_periodic(
    request: HttpRequest,
    facility: UUID,
    period: str,
    year: int | None = None,
    month: str | None = None,
    format: str = "json",
) -> HttpResponse:
    parsed = _period(period, month, year) if period in KINDS else None
    if not isinstance(parsed, Period):
        # Permission first: a carer learns nothing from the shape of their input.
        membership = _access(request, facility, REPORT_ROLES)
        if isinstance(membership, HttpResponse):
            return membership
        return parsed or error(400, "invalid_period", BAD_PERIOD)
    return _report(request, facility, parsed, format)


class ReportText(Schema):
    facility: UUID
    period: str = Field(description="'2026-11', '2026-9m' or '2026'")
    number: str | None = Field(default=None, max_length=20)
    activities: str | None = Field(default=None, max_length=4000)
    next_plan: str | None = Field(default=None, max_length=4000)
    proposals: str | None = Field(default=None, max_length=4000)
    staff_permanent: int | None = Field(default=None, ge=0, le=100000)
    staff_contract: int | None = Field(default=None, ge=0, le=100000)


def period_of_key(key: str) -> Period:
    if key.endswith("-9m"):
        return Period.of("9m", key[:4])
    if len(key) == 4:
        return Period.of("year", key)
    return Period.parse(key)


def _text_target(request: HttpRequest, facility: UUID, key: str):
    membership = _access(request, facility, REPORT_ROLES)
    if isinstance(membership, HttpResponse):
        return membership, None
    try:
        return membership, period_of_key(key)
    except ValueError:
        return error(400, "invalid_period", BAD_PERIOD), None


@router.put("/text", summary="The director's words for a period (until the report is sent)")
def reports_text(request: HttpRequest, body: ReportText) -> HttpResponse:
    membership, period = _text_target(request, body.facility, body.period)
    if period is None:
        return membership
    fields = body.model_dump(exclude={"facility", "period"}, exclude_unset=True)
    if any("\x00" in v for v in fields.values() if isinstance(v, str)):
        return error(400, "invalid_request", _("Văn bản chứa ký tự không hợp lệ."))
    try:
        record = text_save(
            facility=membership.facility,
            period=period,
            fields=fields,
            by=request.auth.user,  # type: ignore[attr-defined]
        )
    except AlreadySent:
        return error(409, "report_sent", _("Báo cáo đã gửi Sở: không sửa được nữa."))
    return json_response({"period": record.period, "updated_at": record.updated_at})


class ReportSent(Schema):
    facility: UUID
    period: str


@router.post("/sent", summary="Mark a period's report as sent: its text is then final")
def reports_sent(request: HttpRequest, body: ReportSent) -> HttpResponse:
    membership, period = _text_target(request, body.facility, body.period)
    if period is None:
        return membership
    record = mark_sent(facility=membership.facility, period=period, by=request.auth.user)  # type: ignore[attr-defined]
    return json_response({"period": record.period, "sent_at": record.sent_at})


@router.get("/food-safety", summary="QĐ 1246 forms 1, 2, 3 and 5 for one day (html or xlsx)")
def reports_food_safety(
    request: HttpRequest, facility: UUID, date: Date, format: str = "html"
) -> HttpResponse:
    membership = _access(request, facility, FOOD_FORM_ROLES)
    if isinstance(membership, HttpResponse):
        return membership
    centre = membership.facility
    if format == "html":
        return HttpResponse(food_safety_html(centre, date))
    if format == "xlsx":
        return attachment(*food_safety_xlsx(centre, date))
    return error(400, "invalid_format", _("Định dạng là html hoặc xlsx."))


@router.get("/export", summary="CSV of one record type for a date range (UTF-8 with BOM)")
def reports_export(
    request: HttpRequest, facility: UUID, type: str, date_from: Date, date_to: Date
) -> HttpResponseBase:
    membership = _access(request, facility, REPORT_ROLES)
    if isinstance(membership, HttpResponse):
        return membership
    if type not in EXPORTS:
        return error(
            400,
            "invalid_type",
            _("Loại bản ghi không có: %(types)s.") % {"types": ", ".join(EXPORTS)},
        )
    if date_to < date_from or (date_to - date_from).days > MAX_EXPORT_DAYS:
        return error(
            400,
            "invalid_range",
            _("Khoảng ngày phải đúng chiều và không quá %(days)s ngày.")
            % {"days": MAX_EXPORT_DAYS},
        )
    centre = membership.facility
    return streamed(*export_csv(centre, type, date_from, date_to))


def _stock_paper(
    request: HttpRequest, facility: UUID, month: str, fmt: str, figures: Callable
) -> HttpResponse:
    """A stock paper of one month: the refusal (permission first, then the input), its
    figures as JSON (`figures(centre, period)`), or the month's workbook."""
    membership = _access(request, facility, STOCK_ROLES)
    if isinstance(membership, HttpResponse):
        return membership
    period = _period("month", month, None)
    if isinstance(period, HttpResponse):
        return period
    if fmt not in ("json", "xlsx"):
        return error(400, "invalid_format", _("Định dạng là json hoặc xlsx."))
    centre = membership.facility
    if fmt == "json":
        return json_response(figures(centre, period))
    return attachment(*stock_file(centre, period))


@router.get("/stock", summary="Medicine stock of a month: nhập – xuất – tồn (json or xlsx)")
def reports_stock(
    request: HttpRequest, facility: UUID, month: str, format: str = "json"
) -> HttpResponse:
    return _stock_paper(
        request, facility, month, format, lambda c, p: stock_month(facility=c, month=p)
    )


@router.get("/stock/register", summary="The controlled-drug register of a month (json or xlsx)")
def reports_stock_register(
    request: HttpRequest,
    facility: UUID,
    month: str,
    medicine: UUID | None = None,
    format: str = "json",
) -> HttpResponse:
    return _stock_paper(
        request,
        facility,
        month,
        format,
        lambda c, p: controlled_register(facility=c, month=p, medicine_id=medicine),
    )
