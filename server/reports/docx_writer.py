"""The report as a Word file (python-docx), laid out as Nghị định 30/2020 asks: A4, Times New
Roman 13 pt, national heading and motto top right, agency and centre top left."""

from __future__ import annotations

from io import BytesIO

from docx import Document as new_docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from server.reports.document import SIGNATURE_HINT, Document, Para, Table

FONT = "Times New Roman"
CENTER = WD_ALIGN_PARAGRAPH.CENTER
TEXT_WIDTH_CM = 16.5  # A4 less the 3 cm and 1.5 cm margins


def _line(paragraph: Paragraph, text: str, *, bold=False, italic=False, size=13.0, align=None):
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    return run


def _cell_lines(cell: _Cell, lines: list[tuple[str, dict]]) -> None:
    first = True
    for text, style in lines:
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        _line(paragraph, text, align=CENTER, **style)


def _rule(cell: _Cell, indent_cm: float) -> None:
    """The short line under the issuer and under the motto."""
    paragraph = cell.add_paragraph()
    paragraph.paragraph_format.left_indent = Cm(indent_cm)
    paragraph.paragraph_format.right_indent = Cm(indent_cm)
    paragraph.paragraph_format.space_after = Pt(6)
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        top.set(qn(f"w:{key}"), value)
    borders.append(top)
    paragraph._p.get_or_add_pPr().append(borders)
    _line(paragraph, "", size=4)


def _widths(table, widths_cm: list[float]) -> None:
    """Word reads the cells' widths, LibreOffice the grid's: set both."""
    table.autofit = False
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _setup(doc) -> None:
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)
    # Word picks the font for Vietnamese letters from the East Asian / complex script slots too.
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)


def _letterhead(doc, d: Document) -> None:
    head = doc.add_table(rows=1, cols=2)
    _no_borders(head)
    _widths(head, [6.3, 10.2])
    left, right = head.rows[0].cells
    _cell_lines(left, [(d.parent, {"size": 12}), (d.issuer, {"size": 12, "bold": True})])
    _rule(left, 1.8)
    _cell_lines(right, [(d.heading, {"size": 12, "bold": True}), (d.motto, {"bold": True})])
    _rule(right, 2.2)
    _line(left.add_paragraph(), d.number, align=CENTER)
    _line(right.add_paragraph(), d.date_line, italic=True, align=CENTER)


def _table(doc, t: Table) -> None:
    table = doc.add_table(rows=1 + len(t.rows), cols=len(t.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    rest = (TEXT_WIDTH_CM - 6.0) / max(1, len(t.headers) - 1)
    _widths(table, [6.0] + [rest] * (len(t.headers) - 1))
    for i, header in enumerate(t.headers):
        _line(table.rows[0].cells[i].paragraphs[0], header, bold=True, size=12, align=CENTER)
    for r, row in enumerate(t.rows, start=1):
        for i, value in enumerate(row):
            align = WD_ALIGN_PARAGRAPH.RIGHT if i in t.numeric else None
            _line(table.rows[r].cells[i].paragraphs[0], value, size=12, align=align)
    doc.add_paragraph().paragraph_format.space_after = Pt(0)


def _para(doc, p: Para) -> None:
    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.space_after, fmt.first_line_indent = Pt(6), Cm(1)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    text = f"- {p.text}" if p.style == "bullet" else p.text
    run = paragraph.add_run(text)
    run.bold = p.style in ("heading", "section")
    run.font.size = Pt(13)


def _closing(doc, d: Document) -> None:
    foot = doc.add_table(rows=1, cols=2)
    _no_borders(foot)
    _widths(foot, [7.5, 9.0])
    left, right = foot.rows[0].cells
    _line(left.paragraphs[0], "Nơi nhận:", bold=True, italic=True, size=12)
    for line in d.recipients:
        _line(left.add_paragraph(), line, size=11)
    _cell_lines(
        right,
        [
            (d.signer_title, {"bold": True}),
            (SIGNATURE_HINT, {"italic": True}),
            *[("", {})] * 4,
            (d.signer_name, {"bold": True}),
        ],
    )


def render_docx(d: Document) -> bytes:
    doc = new_docx()
    _setup(doc)
    _letterhead(doc, d)
    title = doc.add_paragraph()
    title.paragraph_format.space_before = Pt(18)
    _line(title, d.title[0], bold=True, size=14, align=CENTER)
    for line in d.title[1:]:
        _line(doc.add_paragraph(), line, bold=True, size=14, align=CENTER)
    doc.add_paragraph()
    for block in d.body:
        if isinstance(block, Table):
            _table(doc, block)
        else:
            _para(doc, block)
    _closing(doc, d)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
