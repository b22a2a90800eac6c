"""A period's report in the form asked for: the JSON figures, or the document as a file."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from server.reports.document import Document, report_document
from server.reports.docx_writer import render_docx
from server.reports.files import DOCX, XLSX
from server.reports.monthly import monthly_report
from server.reports.periods import Period
from server.reports.xlsx_writer import render_xlsx

FORMATS = ("json", "xlsx", "docx")


def report_date(report: dict[str, Any]) -> date:
    """The date on the paper: the day it was sent, or today while it is a draft."""
    sent = parse_datetime(report["sent_at"]) if report["sent_at"] else None
    return timezone.localtime(sent).date() if sent else timezone.localdate()


def document_of(facility: Any, period: Period) -> tuple[dict[str, Any], Document]:
    report = monthly_report(facility=facility, month=period)
    return report, report_document(report, report_date(report))


def file_name(facility: Any, period: Period, ext: str) -> str:
    when = {
        "month": f"tháng {period.month:02d}-{period.year}",
        "9m": f"9 tháng đầu năm {period.year}",
        "year": f"năm {period.year}",
    }[period.kind]
    return f"Báo cáo {when} - {facility.code}.{ext}"


def report_file(facility: Any, period: Period, fmt: str) -> tuple[bytes, str, str]:
    """(body, file name, content type) for fmt xlsx or docx."""
    _, document = document_of(facility, period)
    if fmt == "docx":
        return render_docx(document), file_name(facility, period, "docx"), DOCX
    return render_xlsx(document), file_name(facility, period, "xlsx"), XLSX
