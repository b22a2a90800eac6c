"""The report as an Excel file (openpyxl), one A4 sheet laid out like the paper: heading and
motto top right, agency and centre top left, Times New Roman throughout."""

from __future__ import annotations

import math
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from server.reports.document import SIGNATURE_HINT, Document, Para, Table

FONT = "Times New Roman"
WIDTHS = (14, 14, 14, 15, 15, 16)  # six columns, about the width of an A4 page
LAST = len(WIDTHS)
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def font(size: float = 13, *, bold: bool = False, italic: bool = False) -> Font:
    return Font(name=FONT, size=size, bold=bold, italic=italic)


class Sheet:
    """Writes row after row; text spans merged columns and the row grows with its lines."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.row = 1

    def put(self, first: int, last: int, text: str, *, f: Font, align: str = "left", row=None):
        row = row or self.row
        cell = self.ws.cell(row=row, column=first, value=text)
        cell.font = f
        cell.alignment = Alignment(horizontal=align, vertical="top", wrap_text=True)
        if last > first:
            self.ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        width = sum(WIDTHS[first - 1 : last])
        lines = sum(max(1, math.ceil(len(part) * 1.05 / width)) for part in text.split("\n"))
        height = max(self.ws.row_dimensions[row].height or 0, lines * (f.size or 13) * 1.45)
        self.ws.row_dimensions[row].height = height
        return cell

    def line(self, text: str, *, f: Font, align: str = "left") -> None:
        self.put(1, LAST, text, f=f, align=align)
        self.row += 1

    def rules(self, under: tuple[int, ...]) -> None:
        """The short line under the issuer and under the motto, as on the paper: a thin row
        whose middle cell of each block carries a top border (a third of the block's width,
        centred), unmerged so that Excel and LibreOffice both draw it where it is."""
        for column in under:
            self.ws.cell(row=self.row, column=column).border = Border(top=THIN)
        self.ws.row_dimensions[self.row].height = 6
        self.row += 1

    def table(self, t: Table) -> None:
        spans = self._spans(len(t.headers))
        for values, is_head in [(t.headers, True), *[(r, False) for r in t.rows]]:
            for i, (first, last) in enumerate(spans):
                align = "center" if is_head else ("right" if i in t.numeric else "left")
                cell = self.put(first, last, values[i], f=font(12, bold=is_head), align=align)
                for col in range(first, last + 1):
                    self.ws.cell(row=self.row, column=col).border = BOX
                cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
            self.row += 1
        self.row += 1

    @staticmethod
    def _spans(n: int) -> list[tuple[int, int]]:
        """The first column takes the spare width: a label beside n-1 figures."""
        wide = LAST - (n - 1)
        return [(1, wide)] + [(wide + i, wide + i) for i in range(1, n)]


def render_xlsx(d: Document) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[chr(64 + i)].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left, ws.page_margins.right = 1.1, 0.6
    ws.print_options.horizontalCentered = True
    s = Sheet(ws)
    s.put(1, 3, d.parent, f=font(12), align="center")
    s.put(4, 6, d.heading, f=font(12, bold=True), align="center")
    s.row += 1
    s.put(1, 3, d.issuer, f=font(12, bold=True), align="center")
    s.put(4, 6, d.motto, f=font(13, bold=True), align="center")
    s.row += 1
    s.rules(under=(2, 5))
    s.put(1, 3, d.number, f=font(13), align="center")
    s.put(4, 6, d.date_line, f=font(13, italic=True), align="center")
    s.row += 2
    for line in d.title:
        s.line(line, f=font(14, bold=True), align="center")
    s.row += 1
    for block in d.body:
        if isinstance(block, Table):
            s.table(block)
            continue
        text = f"- {block.text}" if block.style == "bullet" else block.text
        s.line(text, f=font(13, bold=_bold(block)))
    s.row += 1
    top = s.row
    s.put(1, 3, "Nơi nhận:", f=font(12, bold=True, italic=True))
    s.put(4, 6, d.signer_title, f=font(13, bold=True), align="center")
    s.row += 1
    s.put(4, 6, SIGNATURE_HINT, f=font(13, italic=True), align="center")
    for line in d.recipients:
        s.put(1, 3, line, f=font(11))
        s.row += 1
    s.row = max(s.row, top + 6)
    s.put(4, 6, d.signer_name, f=font(13, bold=True), align="center")
    ws.print_area = f"A1:F{s.row}"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _bold(block: Para) -> bool:
    return block.style in ("heading", "section")
