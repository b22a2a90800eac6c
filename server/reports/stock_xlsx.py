"""The stock report and the controlled-drug register as an Excel workbook, laid out as the
centres keep them: the centre, the title with the month, a boxed table, the signatures."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from server.reports.document import SIGNATURE_HINT
from server.reports.files import XLSX
from server.reports.periods import Period
from server.reports.stock import (
    COLUMNS,
    HEADINGS,
    REGISTER_HEADINGS,
    SOURCE,
    controlled_register,
    stock_month,
)
from server.reports.xlsx_writer import BOX, font

WRAP = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _sheet(
    wb: Workbook, title: str, name: str, centre: str, headings: tuple, rows: list
) -> Worksheet:
    ws = wb.create_sheet(name[:31])
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    width = len(headings)
    row = 1
    for text, f, align in [
        (centre.upper(), font(12, bold=True), "left"),
        (title.upper(), font(14, bold=True), "center"),
    ]:
        cell = ws.cell(row=row, column=1, value=text)
        cell.font, cell.alignment = f, Alignment(horizontal=align)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        row += 1
    row += 1
    for values, bold in [(headings, True), *[(r, False) for r in rows]]:
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.font, cell.border, cell.alignment = font(11, bold=bold), BOX, WRAP
        row += 1
    for col in range(1, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 5 if col == 1 else 14
    ws.column_dimensions["B"].width = 24
    row += 1
    for text, f in [
        ("Người lập", font(12, bold=True)),
        (SIGNATURE_HINT, font(12, italic=True)),
    ]:
        cell = ws.cell(row=row, column=width - 2, value=text)
        cell.font, cell.alignment = f, Alignment(horizontal="center")
        ws.merge_cells(start_row=row, start_column=width - 2, end_row=row, end_column=width)
        row += 1
    return ws


def stock_xlsx(month: dict[str, Any], register: dict[str, Any]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    centre = month["facility"]["name"]
    rows = [
        [
            i,
            r["name"],
            r["strength"],
            r["unit"],
            SOURCE[r["funding_source"]],
            *[r[c] for c in COLUMNS],
        ]
        for i, r in enumerate(month["rows"], start=1)
    ]
    _sheet(wb, month["title"], "Nhập xuất tồn", centre, HEADINGS, rows)
    for n, drug in enumerate(register["drugs"], start=1):
        lines = [
            ["", "", "Tồn đầu kỳ", "", "", "", "", "", drug["opening"], "", ""],
            *[
                [
                    i,
                    line["at"],
                    line["label"],
                    line["for"],
                    SOURCE[line["funding_source"]],
                    line["lot"],
                    line["in"],
                    line["out"],
                    line["balance_after"],
                    line["by"],
                    line["witness"],
                ]
                for i, line in enumerate(drug["lines"], start=1)
            ],
        ]
        title = f"{register['title']}: {drug['name']} ({drug['unit']})"
        name = "".join("-" if c in "[]:*?/\\" else c for c in f"{n}. {drug['name']}")
        _sheet(wb, title, name, centre, REGISTER_HEADINGS, lines)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def stock_file(facility: Any, month: Period) -> tuple[bytes, str, str]:
    """Both papers of the month in one workbook: the report, then one register per drug."""
    body = stock_xlsx(
        stock_month(facility=facility, month=month),
        controlled_register(facility=facility, month=month),
    )
    return body, f"Sổ thuốc {month.label} - {facility.name}.xlsx", XLSX
