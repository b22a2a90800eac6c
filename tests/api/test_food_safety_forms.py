"""QĐ 1246 forms 1, 2, 3 and 5 for one day, built from the kitchen's records; form 4 (the
sample label) per sample. Every column of the form is there; unrecorded cells stay empty."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.api.test_report_files import CODES, keep

DAY = "2026-11-03"


@pytest.fixture
def kitchen(november, make_api):
    client = make_api()
    client.login("kitchen")
    return client


def forms(client, centre, fmt="html", day=DAY):
    return client.get(
        f"/api/reports/food-safety?facility={centre.facility.id}&date={day}&format={fmt}"
    )


def test_the_forms_of_a_day_hold_every_column_and_the_records(kitchen, november):
    response = forms(kitchen, november)
    assert response.status_code == 200
    html = response.content.decode()
    keep("kiem-thuc-2026-11-03.html", response.content)
    for title in (
        "KIỂM TRA TRƯỚC KHI CHẾ BIẾN THỨC ĂN (Bước 1)",
        "KIỂM TRA KHI CHẾ BIẾN THỨC ĂN (Bước 2)",
        "KIỂM TRA TRƯỚC KHI ĂN (Bước 3)",
        "MẪU BIỂU THEO DÕI LƯU VÀ HỦY MẪU THỨC ĂN LƯU",
    ):
        assert title in html
    for column in (
        "Giấy kiểm dịch",
        "Hạn sử dụng",
        "Thời gian chế biến xong (ngày, giờ)",
        "Thời gian bắt đầu ăn (ngày, giờ)",
        "Người hủy mẫu (ký và ghi rõ họ tên)",
    ):
        assert column in html  # fmt: skip
    assert "Thịt heo" in html and "Cơ sở Ba Lợi" in html and "06:30 03/11/2026" in html
    assert "Nước mắm" in html and "01/05/2027" in html
    assert "Canh chua cá lóc" in html and "10:15 03/11/2026" in html and "Bữa trưa" in html
    assert "150 ml" in html and "Hộp inox số 3" in html and "11:00 04/11/2026" in html
    assert html.count("(Ký, ghi rõ họ tên)") == 4
    assert "Huỳnh Thị Bé Ba" in html  # who checked and kept the samples
    text = re.sub(
        r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", html.split("<body>")[1], flags=re.S)
    )
    assert not CODES.search(text), CODES.search(text)
    assert 'href="labels/"' not in html  # the web page's links stay on the web page


def test_the_forms_as_a_workbook_one_sheet_per_form(kitchen, november):
    response = forms(kitchen, november, "xlsx")
    assert response.status_code == 200
    keep("kiem-thuc-2026-11-03.xlsx", response.content)
    assert "Ki%E1%BB%83m%20th%E1%BB%B1c" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Mẫu số 1", "Mẫu số 2", "Mẫu số 3", "Mẫu số 5"]
    step1 = [[c.value for c in row] for row in book["Mẫu số 1"].iter_rows()]
    thit = next(r for r in step1 if "Thịt heo" in r)
    assert thit[:4] == ["1", "Thịt heo", "06:30 03/11/2026", "12 kg"]
    assert thit[4] == "Cơ sở Ba Lợi" and thit[5] == "0291 3822 111"
    assert thit[10] == "Đạt" and thit[11] in (None, "")  # no quick test was recorded
    log = [[c.value for c in row] for row in book["Mẫu số 5"].iter_rows()]
    assert any(r[1] == "Thịt kho trứng" and r[4] == "100 g" for r in log)


def test_a_day_without_records_prints_the_empty_forms(kitchen, november):
    html = forms(kitchen, november, day="2026-11-20").content.decode()
    assert "KIỂM TRA TRƯỚC KHI ĂN (Bước 3)" in html and "Thịt heo" not in html


def test_the_sample_labels_print_one_per_sample(november, client):
    client.force_login(november.kitchen)
    page = client.get(f"/reports/food-safety/{november.facility.code}/{DAY}/labels/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("MẪU THỨC ĂN LƯU") == 2
    assert "10 giờ 50 phút, ngày 03/11/2026" in html and "Bữa trưa" in html
    one = november.facility.food_samples.get(dish="Thịt kho trứng").id
    single = client.get(f"/reports/food-safety/{november.facility.code}/{DAY}/labels/?sample={one}")
    assert single.content.decode().count("MẪU THỨC ĂN LƯU") == 1
    bad = client.get(f"/reports/food-safety/{november.facility.code}/{DAY}/labels/?sample=x")
    assert bad.content.decode().count("MẪU THỨC ĂN LƯU") == 0


def test_food_forms_refuse_carers_other_centres_and_bad_input(november, make_api, client):
    carer, outsider, manager = make_api(), make_api(), make_api()
    carer.login("carer")
    outsider.login("outsider")
    manager.login("manager")
    assert forms(carer, november).json()["code"] == "forbidden"
    assert forms(carer, november).status_code == 403
    assert forms(outsider, november).json()["code"] == "not_found"
    assert forms(manager, november).status_code == 200
    assert forms(manager, november, "pdf").json()["code"] == "invalid_format"
    for day in ("2026-13-01", "hôm nay", "0000-01-01"):
        answer = forms(manager, november, day=day)
        assert answer.status_code == 400 and answer.json()["code"] == "invalid_request", day
    client.force_login(november.carer)
    assert client.get(f"/reports/food-safety/{november.facility.code}/{DAY}/").status_code == 403
    client.force_login(november.kitchen)
    assert (
        client.get(f"/reports/food-safety/{november.facility.code}/2026-02-30/").status_code == 404
    )
