"""The monthly, 9-month and yearly reports as the Department receives them: xlsx and docx
opened with the library that wrote them, Vietnamese labels only, a Vietnamese file name."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from docx import Document
from openpyxl import load_workbook

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Codes that must never reach a paper: task kinds, statuses, funding sources, meals, targets.
CODES = re.compile(
    r"\b(sun_exposure|in_hospital|on_leave|lonely_elderly|agent_orange|meal|medication|"
    r"disinfection|bhyt|centre|budget|donated|family|lunch|dinner|breakfast|deceased|discharged|vehicle|"
    r"kitchen|area|custom|None|null)\b"
)


def keep(name: str, body: bytes) -> None:
    """Kept for a person to look at (rendered to PDF / PNG outside the test)."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_bytes(body)


def docx_text(body: bytes) -> str:
    doc = Document(io.BytesIO(body))
    cells = [
        p.text
        for table in doc.tables
        for row in table.rows
        for cell in row.cells
        for p in cell.paragraphs
    ]
    return "\n".join([*cells, *(p.text for p in doc.paragraphs)])


def xlsx_text(body: bytes) -> str:
    book = load_workbook(io.BytesIO(body))
    return "\n".join(
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value
    )


@pytest.fixture
def manager(november, make_api):
    client = make_api()
    client.login("manager")
    return client


def fetch(manager, centre, fmt: str, query: str = "monthly?month=2026-11"):
    sep = "&" if "?" in query else "?"
    return manager.get(f"/api/reports/{query}{sep}facility={centre.facility.id}&format={fmt}")


def assert_the_paper(text: str, centre) -> None:
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "SỞ Y TẾ TỈNH BẠC LIÊU" in text
    assert centre.facility.name.upper() in text
    assert "Số: 125/BC-TTBTXH" in text
    assert re.search(r"Bạc Liêu, ngày \d\d tháng \d{1,2} năm \d{4}", text)
    assert "Nơi nhận:" in text and "GIÁM ĐỐC" in text and "Tô Hồng Nguyên" in text
    assert not CODES.search(text), CODES.search(text)
    assert "Xung đột" not in text


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_the_monthly_report_file_carries_the_form_and_the_figures(manager, november, fmt):
    response = fetch(manager, november, fmt)
    assert response.status_code == 200
    keep(f"bao-cao-thang-11-2026.{fmt}", response.content)
    disposition = response["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name == f"Báo cáo tháng 11-2026 - bac-lieu-test.{fmt}"
    assert 'filename="Bao-cao-thang-11-2026---bac-lieu-test.' in disposition
    text = docx_text(response.content) if fmt == "docx" else xlsx_text(response.content)
    assert_the_paper(text, november)
    assert "Kết quả thực hiện nhiệm vụ tháng 11 năm 2026" in text
    assert "phương hướng nhiệm vụ tháng 12 năm 2026" in text
    assert "Tổng số đối tượng hiện tại của Trung tâm là 05 đối tượng" in text
    assert "chỉ tiêu Sở giao 06 đối tượng" in text
    assert "tiếp nhận 01 đối tượng: 01 trẻ em có hoàn cảnh đặc biệt do UBND xã Hưng Hội" in text
    assert "Có 01 đối tượng chết" in text
    assert "chuyển tuyến điều trị 01 trường hợp" in text
    assert "Nhận thuốc điều trị tâm thần kinh cho 01 đối tượng" in text
    assert "Cấp phát thuốc theo BHYT cho 02 lượt đối tượng" in text
    assert "40.000 đ" in text
    assert "Thuốc từ nguồn ngân sách trung tâm: 02 lượt" in text and "3.000.000 đ" in text
    assert "09 biên chế và 22 hợp đồng" in text
    assert "Duy trì tắm nắng buổi sáng" in text
    assert "Tắm nắng" in text  # the task kind, in words


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_medicine_a_family_brought_is_printed_as_its_own_source(manager, november, fmt):
    from tests.factories import MedicationOrderFactory, ResidentFactory
    from tests.papers import at, dose

    order = MedicationOrderFactory(
        resident=ResidentFactory(area=november.elderly),
        funding_source="family",
        unit_cost_vnd=2000,
    )
    dose(order, at(10), november.nurse)
    response = fetch(manager, november, fmt)
    assert response.status_code == 200
    text = docx_text(response.content) if fmt == "docx" else xlsx_text(response.content)
    assert_the_paper(text, november)
    assert "Thuốc từ nguồn gia đình: 01 lượt cấp phát cho 01 đối tượng" in text
    assert "Thuốc từ nguồn ngân sách trung tâm: 02 lượt" in text
    assert "Gia đình" in text  # its row of the table by funding source


def test_the_word_file_is_times_new_roman_on_a4(manager, november):
    doc = Document(io.BytesIO(fetch(manager, november, "docx").content))
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    assert doc.styles["Normal"].font.name == "Times New Roman"
    sizes = {r.font.size.pt for p in doc.paragraphs for r in p.runs if r.font.size}
    assert sizes <= {12.0, 13.0, 14.0, 4.0}


def test_the_excel_file_is_times_new_roman(manager, november):
    book = load_workbook(io.BytesIO(fetch(manager, november, "xlsx").content))
    fonts = {c.font.name for row in book.active.iter_rows() for c in row if c.value}
    assert fonts == {"Times New Roman"}
    assert int(book.active.page_setup.paperSize) == 9  # A4


def test_the_excel_letterhead_has_the_short_rules_under_the_centre_and_the_motto(manager, november):
    sheet = load_workbook(io.BytesIO(fetch(manager, november, "xlsx").content)).active
    issuer = next(r for r in sheet.iter_rows() if r[3].value == "Độc lập - Tự do - Hạnh phúc")
    below = issuer[0].row + 1
    ruled = [c.column_letter for c in sheet[below] if c.border.top.style == "thin"]
    assert ruled == ["B", "E"]  # the middle third of each block: short and centred
    assert not any(below in range(m.min_row, m.max_row + 1) for m in sheet.merged_cells.ranges)


@pytest.mark.parametrize(
    ("query", "title", "name", "doses"),
    [
        ("periodic?period=9m&year=2026", "9 tháng đầu năm 2026", "9 tháng đầu năm 2026", 0),
        ("periodic?period=year&year=2026", "Kết quả thực hiện nhiệm vụ năm 2026", "năm 2026", 6),
    ],
)
def test_nine_month_and_yearly_reports_beside_the_monthly_one(
    manager, november, query, title, name, doses
):
    body = fetch(manager, november, "json", query).json()
    assert body["period"]["from"] == "2026-01-01"
    assert body["medication"]["doses"] == doses  # 9 months end in September; the year has October
    assert body["target"]["residents"] == 6
    response = fetch(manager, november, "docx", query)
    text = docx_text(response.content)
    assert title in text and "chỉ tiêu Sở giao 06 đối tượng" in text
    assert name in unquote(response["Content-Disposition"])
    keep(f"bao-cao-{body['period']['key']}.docx", response.content)


def test_the_directors_text_is_kept_until_the_report_is_sent(manager, november, make_api):
    facility = str(november.facility.id)
    saved = manager.client.put(
        "/api/reports/text",
        {"facility": facility, "period": "2026-11", "activities": "Tổ chức họp đối tượng."},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {manager.token}",
    )
    assert saved.status_code == 200, saved.content
    report = fetch(manager, november, "json").json()
    assert report["text"]["activities"] == "Tổ chức họp đối tượng."
    assert report["text"]["next_plan"].startswith("Duy trì tắm nắng")  # untouched
    assert "Tổ chức họp đối tượng." in docx_text(fetch(manager, november, "docx").content)
    sent = manager.post("/api/reports/sent", {"facility": facility, "period": "2026-11"})
    assert sent.status_code == 200 and sent.json()["sent_at"]
    again = manager.client.put(
        "/api/reports/text",
        {"facility": facility, "period": "2026-11", "activities": "Sửa sau khi gửi"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {manager.token}",
    )
    assert (again.status_code, again.json()["code"]) == (409, "report_sent")
    assert fetch(manager, november, "json").json()["text"]["activities"] == "Tổ chức họp đối tượng."


def test_report_endpoints_refuse_other_roles_other_centres_and_bad_input(november, make_api):
    carer, outsider, manager = make_api(), make_api(), make_api()
    carer.login("carer")
    outsider.login("outsider")
    manager.login("manager")
    facility = november.facility.id
    for query in ("monthly?month=2026-11", "periodic?period=9m&year=2026"):
        for fmt in ("json", "docx", "xlsx"):
            path = f"/api/reports/{query}&facility={facility}&format={fmt}"
            assert (carer.get(path).status_code, carer.get(path).json()["code"]) == (
                403,
                "forbidden",
            )
            assert outsider.get(path).json()["code"] == "not_found"
    for bad in ("period=9m&year=1999", "period=week&year=2026", "period=year"):
        answer = manager.get(f"/api/reports/periodic?{bad}&facility={facility}")
        assert (answer.status_code, answer.json()["code"]) == (400, "invalid_period"), bad
    body = {"facility": str(facility), "period": "2026-11", "next_plan": "x"}
    assert carer.client.put(
        "/api/reports/text", body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {carer.token}",
    ).status_code == 403  # fmt: skip
    for bad_body in (
        {**body, "period": "2026-13"},
        {**body, "next_plan": "x" * 4001},
        {**body, "staff_contract": -1},
        {**body, "next_plan": "a\x00b"},
    ):
        answer = manager.client.put(
            "/api/reports/text", bad_body, content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {manager.token}",
        )  # fmt: skip
        assert answer.status_code == 400, bad_body
    assert outsider.post("/api/reports/sent", body).json()["code"] == "not_found"
    assert carer.post("/api/reports/sent", body).json()["code"] == "forbidden"
