"""QĐ 1246/QĐ-BYT forms for one day, built from the kitchen's records: Mẫu số 1-3 (the
three-step food check) and Mẫu số 5 (the food-sample log); Mẫu số 4 is the sample label.

Every column of the official form is printed; a cell the phone has not recorded stays empty
for the cook to fill by hand, rather than the column being dropped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.dateparse import parse_date, parse_datetime

from server.accounts.models import User
from server.kitchen.models import FoodCheck, FoodSample
from server.reports import labels as L
from server.reports.files import XLSX
from server.reports.food_safety_xlsx import render_forms

FORM_TITLES = {
    1: "KIỂM TRA TRƯỚC KHI CHẾ BIẾN THỨC ĂN (Bước 1)",
    2: "KIỂM TRA KHI CHẾ BIẾN THỨC ĂN (Bước 2)",
    3: "KIỂM TRA TRƯỚC KHI ĂN (Bước 3)",
    5: "MẪU BIỂU THEO DÕI LƯU VÀ HỦY MẪU THỨC ĂN LƯU",
}
SUPPLIER = ["Nơi cung cấp: tên cơ sở", "Địa chỉ, điện thoại", "Tên người giao hàng"]
FRESH = [
    "TT",
    "Tên thực phẩm",
    "Thời gian nhập (ngày, giờ)",
    "Khối lượng (kg/lít…)",
    *SUPPLIER,
    "Chứng từ, hóa đơn",
    "Giấy đăng ký với thú y",
    "Giấy kiểm dịch",
    "Kiểm tra cảm quan (màu, mùi vị, trạng thái, bảo quản…)",
    "Xét nghiệm nhanh (nếu có)",
    "Biện pháp xử lý / Ghi chú",
]
DRY = [
    "TT",
    "Tên thực phẩm",
    "Tên cơ sở sản xuất",
    "Địa chỉ sản xuất",
    "Thời gian nhập (ngày, giờ)",
    "Khối lượng (kg/lít…)",
    *SUPPLIER,
    "Hạn sử dụng",
    "Điều kiện bảo quản",
    "Chứng từ, hóa đơn",
    "Kiểm tra cảm quan (nhãn, bao bì, bảo quản…)",
    "Biện pháp xử lý / Ghi chú",
]
COOKING = [
    "TT",
    "Ca/bữa ăn",
    "Tên món ăn",
    "Nguyên liệu chính để chế biến",
    "Số lượng / số suất ăn",
    "Thời gian sơ chế xong (ngày, giờ)",
    "Thời gian chế biến xong (ngày, giờ)",
    "Vệ sinh: người tham gia chế biến",
    "Vệ sinh: trang thiết bị, dụng cụ",
    "Vệ sinh: khu vực chế biến và phụ trợ",
    "Kiểm tra cảm quan thức ăn (màu, mùi, vị…)",
    "Biện pháp xử lý / Ghi chú",
]
SERVING = [
    "TT",
    "Ca/bữa ăn",
    "Tên món ăn",
    "Số lượng suất ăn",
    "Thời gian chia món ăn xong (ngày, giờ)",
    "Thời gian bắt đầu ăn (ngày, giờ)",
    "Dụng cụ chia, chứa đựng thức ăn",
    "Che đậy, bảo quản thức ăn",
    "Kiểm tra cảm quan món ăn (màu, mùi, vị…)",
    "Biện pháp xử lý / Ghi chú",
]
SAMPLES = [
    "TT",
    "Tên mẫu thức ăn",
    "Bữa ăn (giờ ăn…)",
    "Số lượng suất ăn",
    "Khối lượng / thể tích mẫu (gam/ml)",
    "Dụng cụ chứa mẫu thức ăn lưu",
    "Nhiệt độ bảo quản mẫu (°C)",
    "Thời gian lấy mẫu (giờ, ngày, tháng, năm)",
    "Thời gian hủy mẫu (giờ, ngày, tháng, năm)",
    "Ghi chú (chất lượng mẫu thức ăn lưu…)",
    "Người lưu mẫu (ký và ghi rõ họ tên)",
    "Người hủy mẫu (ký và ghi rõ họ tên)",
]


@dataclass
class Part:
    heading: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Form:
    number: int
    title: str
    parts: list[Part]
    checkers: list[str]

    @property
    def label(self) -> str:
        return f"Mẫu số {self.number}"


def _when(raw: Any) -> str:
    parsed = parse_datetime(raw) if isinstance(raw, str) else raw
    return L.local(parsed) if isinstance(parsed, datetime) else ""


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return "" if value in (None, "") else str(value)


def _day(facility: Any, day: date, model: type[FoodCheck] | type[FoodSample], at_field: str):
    """Records of the day: by the meal's date, or by when they were taken if it is unknown."""
    rows = model._default_manager.filter(facility=facility, void=False)
    by_time = Q(meal_date__isnull=True, **{f"{at_field}__date": day})
    return rows.filter(Q(meal_date=day) | by_time).order_by(at_field)


def _names(ids: set[Any]) -> dict[Any, str]:
    return {u.id: u.full_name or u.username for u in User.objects.filter(id__in=ids)}


def _check_rows(checks: list[FoodCheck], step: int) -> list[tuple[FoodCheck, dict[str, Any]]]:
    """One row per item; a check recorded without items is still one row (its meal, result)."""
    out = []
    for check in (c for c in checks if c.step == step):
        items = [i for i in check.items if isinstance(i, dict)] or [{}]
        out += [(check, item) for item in items]
    return out


def _sensory(check: FoodCheck, item: dict[str, Any]) -> str:
    if "sensory_ok" in item:
        return L.yes_no(item["sensory_ok"])
    return "" if item else L.RESULT.get(check.result, "")


def _note(check: FoodCheck, item: dict[str, Any]) -> str:
    return "; ".join(t for t in (_text(item, "action"), check.note if not item else "") if t)


def _meal_part(
    checks: list[FoodCheck], step: int, headers: list[str], cells: Callable[[dict], list[str]]
) -> Part:
    """Steps 2 and 3 print one row per dish: number, meal and dish first, the step's own
    columns (`cells` of the item), then the sensory check and the action taken."""
    part = Part("", headers)
    for n, (check, i) in enumerate(_check_rows(checks, step), start=1):
        part.rows.append(
            [
                str(n),
                L.MEAL.get(check.meal, ""),
                _text(i, "dish"),
                *cells(i),
                _sensory(check, i),
                _note(check, i),
            ]
        )
    return part


def _cooking_cells(i: dict[str, Any]) -> list[str]:
    hygiene = ("hygiene_people_ok", "hygiene_equipment_ok", "hygiene_area_ok")
    return [
        _text(i, "main_ingredients"),
        _text(i, "portions"),
        _when(i.get("prep_finished_at")),
        _when(i.get("cooking_finished_at")),
        *(L.yes_no(i.get(key)) for key in hygiene),
    ]


def _serving_cells(i: dict[str, Any]) -> list[str]:
    return [
        _text(i, "portions"),
        _when(i.get("serving_finished_at")),
        _when(i.get("eating_starts_at")),
        L.yes_no(i.get("utensils_ok")),
        L.yes_no(i.get("covers_ok")),
    ]


def step_forms(checks: list[FoodCheck], names: dict[Any, str]) -> list[Form]:
    def who(step: int) -> list[str]:
        return sorted({names.get(c.by_id, "") for c in checks if c.step == step} - {""})

    fresh, dry = (
        Part("I. Thực phẩm tươi sống, đông lạnh", FRESH),
        Part("II. Thực phẩm khô và thực phẩm bao gói sẵn, phụ gia thực phẩm", DRY),
    )
    for check, i in _check_rows(checks, 1):
        supplier = [
            _text(i, "supplier"),
            ", ".join(t for t in (_text(i, "supplier_address"), _text(i, "supplier_phone")) if t),
            _text(i, "deliverer"),
        ]
        common = [_when(i.get("received_at")), _text(i, "quantity"), *supplier]
        if i.get("part") == "dry":
            expiry = parse_date(i["expiry_date"]) if isinstance(i.get("expiry_date"), str) else None
            dry.rows.append(
                [
                    str(len(dry.rows) + 1),
                    _text(i, "name"),
                    _text(i, "manufacturer"),
                    _text(i, "manufacturer_address"),
                    *common,
                    L.day(expiry) if expiry else "",
                    _text(i, "storage"),
                    _text(i, "papers"),
                    _sensory(check, i),
                    _note(check, i),
                ]
            )
        else:
            fresh.rows.append(
                [
                    str(len(fresh.rows) + 1),
                    _text(i, "name"),
                    *common,
                    _text(i, "papers"),
                    _text(i, "vet_papers"),
                    _text(i, "quarantine_papers"),
                    _sensory(check, i),
                    _text(i, "quick_test"),
                    _note(check, i),
                ]
            )
    cooking = _meal_part(checks, 2, COOKING, _cooking_cells)
    serving = _meal_part(checks, 3, SERVING, _serving_cells)
    return [
        Form(1, FORM_TITLES[1], [fresh, dry], who(1)),
        Form(2, FORM_TITLES[2], [cooking], who(2)),
        Form(3, FORM_TITLES[3], [serving], who(3)),
    ]


def sample_form(samples: list[FoodSample], names: dict[Any, str]) -> Form:
    log = Part("", SAMPLES)
    for n, s in enumerate(samples, start=1):
        log.rows.append(
            [
                str(n),
                s.dish,
                L.MEAL.get(s.meal, ""),
                _text({"p": s.portions}, "p"),
                f"{L.number(s.quantity)} {s.unit}",
                s.container_label,
                L.number(s.stored_temp_c),
                L.local(s.taken_at),
                L.local(s.discarded_at),
                s.note,
                names.get(s.taken_by_id, ""),
                names.get(s.discarded_by_id, ""),
            ]
        )
    return Form(5, FORM_TITLES[5], [log], sorted({r[10] for r in log.rows} - {""}))


def forms_of_day(facility: Any, day: date) -> list[Form]:
    checks = list(_day(facility, day, FoodCheck, "at"))
    samples = list(_day(facility, day, FoodSample, "taken_at"))
    people = {c.by_id for c in checks} | {s.taken_by_id for s in samples}
    names = _names(people | {s.discarded_by_id for s in samples if s.discarded_by_id})
    return [*step_forms(checks, names), sample_form(samples, names)]


def food_safety_context(facility: Any, day: date) -> dict[str, Any]:
    return {
        "facility": facility,
        "day": day,
        "day_text": L.date_line("", day),
        "forms": forms_of_day(facility, day),
    }


def food_safety_html(facility: Any, day: date) -> str:
    """The forms as the API serves them (no links: they belong to the web pages)."""
    context = {**food_safety_context(facility, day), "embedded": True}
    return render_to_string("reports/food_safety.html", context)


def food_safety_xlsx(facility: Any, day: date) -> tuple[bytes, str, str]:
    body = render_forms(facility, day, forms_of_day(facility, day))
    return body, f"Kiểm thực ba bước và lưu mẫu {day:%d-%m-%Y} - {facility.code}.xlsx", XLSX
