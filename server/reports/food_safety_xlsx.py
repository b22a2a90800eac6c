"""The QĐ 1246 forms as an Excel workbook: one landscape A4 sheet per form."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from server.reports import labels as L
from server.reports.document import SIGNATURE_HINT
from server.reports.xlsx_writer import BOX, font

if TYPE_CHECKING:
    from server.reports.food_safety import Form


def _sheet(wb: Workbook, facility: Any, day: date, form: Form) -> None:
    ws = wb.create_sheet(form.label)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    width = max(len(p.headers) for p in form.parts)
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")
    lines = [
        (f"{form.label}: {form.title}", font(14, bold=True)),
        (f"Tên cơ sở: {facility.name}", font(12)),
        (f"Người kiểm tra: {', '.join(form.checkers)}", font(12)),
        (f"Thời gian kiểm tra: {L.date_line('', day)}", font(12)),
        ("Địa điểm kiểm tra: bếp ăn tập thể của Trung tâm", font(12)),
    ]
    row = 1
    for text, f in lines:
        ws.cell(row=row, column=1, value=text).font = f
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        row += 1
    for part in form.parts:
        row += 1
        if part.heading:
            ws.cell(row=row, column=1, value=part.heading).font = font(12, bold=True)
            row += 1
        for values, bold in [(part.headers, True), *[(r, False) for r in part.rows]]:
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row=row, column=col, value=value)
                cell.font, cell.border, cell.alignment = font(11, bold=bold), BOX, wrap
            ws.row_dimensions[row].height = 75 if bold else 32
            row += 1
    for col in range(1, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = (
            4 if col == 1 else (9 if width > 12 else 12)
        )
    row += 1
    signature = [
        ("Người kiểm tra", font(12, bold=True)),
        (SIGNATURE_HINT, font(12, italic=True)),
        *[("", font(12))] * 3,
        (", ".join(form.checkers), font(12, bold=True)),
    ]
    for text, f in signature:
        cell = ws.cell(row=row, column=width - 3, value=text or None)
        cell.font, cell.alignment = f, Alignment(horizontal="center")
        ws.merge_cells(start_row=row, start_column=width - 3, end_row=row, end_column=width)
        row += 1


def render_forms(facility: Any, day: date, forms: list[Form]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for form in forms:
        _sheet(wb, facility, day, form)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
