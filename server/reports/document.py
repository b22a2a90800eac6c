"""The report as the Department receives it (Nghị định 30/2020 layout, seed-000 sections),
as one neutral structure that the printable page, the docx and the xlsx all render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from server.reports import labels as L

NATIONAL_HEADING = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
SIGNATURE_HINT = "(Ký, ghi rõ họ tên)"


@dataclass
class Para:
    text: str
    style: str = "body"  # body, heading (I., II.), section (1., 2.), bullet


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()  # columns aligned right


def figures(headers: list[str], rows: list[list[str]]) -> Table:
    """A table of the report's figures: a label, then numbers in every other column."""
    return Table(headers, rows, numeric=tuple(range(1, len(headers))))


# The column headings of the report's three tables.
CATEGORY_HEADERS = [
    "Diện đối tượng",
    "Số đối tượng",
    "Trong đó khuyết tật",
    "Khuyết tật đặc biệt nặng",
]
FUNDING_HEADERS = ["Nguồn kinh phí", "Lượt cấp phát", "Số đối tượng", "Thành tiền"]
CARE_HEADERS = ["Loại việc", "Cần làm", "Đã làm", "Chưa làm đúng giờ"]


@dataclass
class Document:
    parent: str
    issuer: str
    number: str
    date_line: str
    title: list[str]
    body: list[Para | Table] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    signer_title: str = "GIÁM ĐỐC"
    signer_name: str = ""
    heading: str = NATIONAL_HEADING
    motto: str = MOTTO


def _residents(r: dict[str, Any], target: dict[str, Any]) -> list[Para | Table]:
    res = r["residents"]
    out: list[Para | Table] = []
    if res["received"]:
        parts = [
            f"{L.count(row['count'])} {L.CATEGORY.get(row['category'], 'đối tượng').lower()}"
            + (f" do {row['source']}" if row["source"] else "")
            for row in res["received_rows"]
        ]
        out.append(
            Para(
                f"Trong kỳ, Trung tâm tiếp nhận {L.count(res['received'])} đối tượng: "
                + "; ".join(parts)
                + "."
            )
        )
    else:
        out.append(Para("Trong kỳ, Trung tâm không tiếp nhận đối tượng mới."))
    out.append(
        Para(
            f"Có {L.count(res['deaths'])} đối tượng chết; "
            f"{L.count(res['reintegrated'])} đối tượng về với gia đình, tái hòa nhập cộng đồng."
        )
    )
    total = f"Tổng số đối tượng hiện tại của Trung tâm là {L.count(res['total'])} đối tượng"
    if target["residents"]:
        total += (
            f" (chỉ tiêu Sở giao {L.count(target['residents'])} đối tượng, "
            f"đạt {L.number(target['percent'])}%)"
        )
    out.append(Para(total + ". Trong đó:"))
    rows = [
        [c["label"], L.number(c["total"]), L.number(c["disabled"]), L.number(c["severe"])]
        for c in res["by_category"].values()
        if c["total"]
    ]
    rows.append(
        [
            "Tổng cộng",
            L.number(res["total"]),
            L.number(sum(c["disabled"] for c in res["by_category"].values())),
            L.number(sum(c["severe"] for c in res["by_category"].values())),
        ]
    )
    out.append(figures(CATEGORY_HEADERS, rows))
    return out


def _medicine(r: dict[str, Any]) -> list[Para | Table]:
    med, res = r["medication"], r["residents"]
    sources = med["by_funding_source"]
    out: list[Para | Table] = [
        Para(
            f"Công tác khám, điều trị bệnh ban đầu tại Trung tâm: chuyển tuyến điều trị "
            f"{L.count(res['hospital_transfers'])} trường hợp vượt quá khả năng. "
            f"Nhận thuốc điều trị tâm thần kinh cho {L.count(med['psychiatric_residents'])} "
            "đối tượng đang được nuôi dưỡng tại Trung tâm."
        )
    ]
    bhyt = sources.get("bhyt")
    if bhyt:
        out.append(
            Para(
                f"Cấp phát thuốc theo BHYT cho {L.count(bhyt['doses'])} lượt đối tượng "
                f"({L.count(bhyt['residents'])} đối tượng), tổng số tiền là {L.vnd(bhyt['cost_vnd'])}."
            )
        )
    # The other sources each on their own line: the centre's budget is never added into BHYT.
    for key in L.FUNDING:
        if key != "bhyt" and key in sources:
            s = sources[key]
            out.append(
                Para(
                    f"Thuốc từ nguồn {L.FUNDING[key].lower()}: {L.count(s['doses'])} lượt cấp "
                    f"phát cho {L.count(s['residents'])} đối tượng, tổng số tiền là "
                    f"{L.vnd(s['cost_vnd'])}."
                )
            )
    rows = [
        [
            L.FUNDING.get(k, "Nguồn khác"),
            L.number(s["doses"]),
            L.number(s["residents"]),
            L.vnd(s["cost_vnd"]),
        ]
        for k, s in sources.items()
    ]
    if rows:
        out.append(figures(FUNDING_HEADERS, rows))
    return out


def _hygiene(r: dict[str, Any]) -> list[Para | Table]:
    h = r["hygiene_and_food"]
    targets = ", ".join(
        f"{L.count(n)} lượt {L.DISINFECTION_TARGET.get(t, 'nơi khác').lower()}"
        for t, n in sorted(h["disinfection_by_target"].items())
    )
    steps = h["food_checks_by_step"]
    checks = ", ".join(f"bước {s}: {L.count(steps[s])} lần" for s in sorted(steps))
    return [
        Para(
            f"Duy trì khử khuẩn bằng Cloramin B định kỳ: {L.count(h['disinfection_rounds'])} lượt"
            + (f" ({targets})" if targets else "")
            + "."
        ),
        Para(
            f"Lưu mẫu thức ăn {L.count(h['food_samples'])} mẫu"
            + (
                f" ({L.count(h['food_samples_below_minimum'])} mẫu dưới khối lượng quy định)"
                if h["food_samples_below_minimum"]
                else ""
            )
            + "; kiểm thực ba bước: "
            + (checks or "chưa có ghi nhận")
            + f"; {L.count(h['food_checks_with_issue'])} lần không đạt."
        ),
    ]


def _care(r: dict[str, Any]) -> list[Para | Table]:
    rows = [
        [
            L.TASK_KIND.get(kind, "Việc khác"),
            L.number(k["due"]),
            L.number(k["done"]),
            L.number(k["missed"]),
        ]
        for kind, k in sorted(r["care"]["tasks_by_kind"].items())
    ]
    if not rows:
        return [Para("Chưa có việc chăm sóc được ghi nhận trong kỳ.")]
    return [
        Para("Các việc chăm sóc hằng ngày theo kế hoạch (ăn uống, thuốc, tắm nắng, khử khuẩn):"),
        figures(CARE_HEADERS, rows),
    ]


def _staff(r: dict[str, Any]) -> Para:
    s = r["staff"]
    return Para(
        f"Tổng số viên chức và người lao động có mặt hiện tại là {L.count(s['total'])} người "
        f"({L.count(s['permanent'])} biên chế và {L.count(s['contract'])} hợp đồng lao động)."
    )


def _free_text(text: str) -> list[Para | Table]:
    return [Para(line.strip(), "bullet") for line in text.splitlines() if line.strip()] or [
        Para("…")
    ]


def report_document(r: dict[str, Any], dated: date) -> Document:
    f, period = r["facility"], r["period"]
    label = period["label"]
    nxt = period["next_label"]
    recipient = f["recipient"] or "Sở quản lý"
    intro = f"kết quả thực hiện nhiệm vụ {label} và phương hướng nhiệm vụ {nxt}"
    body: list[Para | Table] = [
        Para(
            f"Thực hiện chỉ đạo của {recipient}, {f['name']} báo cáo {intro} như sau:",
        ),
        Para(f"I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ {label.upper()}", "heading"),
        Para("1. Công tác tiếp nhận và chăm sóc đối tượng", "section"),
        *_residents(r, r["target"]),
        Para("2. Công tác y tế, cấp phát thuốc", "section"),
        *_medicine(r),
        Para("3. Công tác vệ sinh, khử khuẩn và an toàn thực phẩm", "section"),
        *_hygiene(r),
        Para("4. Công tác chăm sóc hằng ngày", "section"),
        *_care(r),
        Para("5. Công tác tổ chức, nhân sự", "section"),
        _staff(r),
    ]
    if r["text"]["activities"].strip():
        body += [Para("6. Các hoạt động chuyên môn khác", "section")]
        body += _free_text(r["text"]["activities"])
    body += [Para(f"II. PHƯƠNG HƯỚNG NHIỆM VỤ {nxt.upper()}", "heading")]
    body += _free_text(r["text"]["next_plan"])
    if r["text"]["proposals"].strip():
        body += [Para("III. ĐỀ XUẤT, KIẾN NGHỊ", "heading")]
        body += _free_text(r["text"]["proposals"])
    body.append(Para(f"Trên đây là Báo cáo {intro} của {f['name']}./."))
    return Document(
        parent=(f["parent_agency"] or recipient).upper(),
        issuer=f["name"].upper(),
        number=f"Số: {r['number']}",
        date_line=L.date_line(f["place"], dated),
        title=["BÁO CÁO", f"Kết quả thực hiện nhiệm vụ {label}", f"và phương hướng nhiệm vụ {nxt}"],
        body=body,
        recipients=[f"- {recipient};", "- Ban Giám đốc Trung tâm;", "- Lưu: VT."],
        signer_title=(f["signer_title"] or "Giám đốc").upper(),
        signer_name=f["director"],
    )
