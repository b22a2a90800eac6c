"""The printable monthly report (docs/domain.md), for staff logged into the admin."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from server.accounts.services import membership_in
from server.care.models import Facility
from server.meds.models import FundingSource
from server.reports.monthly import Month, monthly_report


@staff_member_required
def monthly_page(request: HttpRequest, code: str, month: str) -> HttpResponse:
    facility = Facility.objects.filter(code=code).first()
    if facility is None:
        raise Http404
    if not request.user.is_superuser:
        membership = membership_in(request.user, facility.id)  # type: ignore[arg-type]
        if membership is None or membership.role not in {"manager", "admin"}:
            raise Http404
    try:
        parsed = Month.parse(month)
    except ValueError as exc:
        raise Http404 from exc
    report = monthly_report(facility=facility, month=parsed)
    funding = dict(FundingSource.choices)
    sources = [
        {"label": funding.get(key, key), **values}
        for key, values in report["medication"]["by_funding_source"].items()
    ]
    return render(
        request, "reports/monthly.html", {"r": report, "month": parsed, "sources": sources}
    )
