"""GET /api/reports/monthly?facility=&month=YYYY-MM, for managers of that facility."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Router

from server.accounts.services import membership_in
from server.reports.monthly import Month, monthly_report
from sync.http import error, json_response

router = Router(tags=["reports"])

REPORT_ROLES = {"manager", "admin"}


@router.get("/monthly", summary="The monthly report, computed from the records")
def reports_monthly(request: HttpRequest, facility: UUID, month: str) -> HttpResponse:
    user = request.auth.user  # type: ignore[attr-defined]
    membership = membership_in(user, facility)
    if membership is None:
        return error(404, "not_found", "Không tìm thấy trung tâm này.")
    if membership.role not in REPORT_ROLES:
        return error(403, "forbidden", "Chỉ Ban Giám đốc / quản lý mới xem được báo cáo tháng.")
    try:
        parsed = Month.parse(month)
    except ValueError:
        return error(400, "invalid_month", "Tháng phải có dạng YYYY-MM, ví dụ 2026-11.")
    return json_response(monthly_report(facility=membership.facility, month=parsed))
