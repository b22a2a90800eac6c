"""GET /api/meds/stock, GET /api/reports/stock (nhập – xuất – tồn) and the controlled-drug
register, as JSON, xlsx and the printable page: every figure agrees with the ledger."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from server.stock.models import StockMove
from tests.api.test_med_administer import give, phone, push
from tests.factories import MedicationOrderFactory, ResidentFactory, TaskFactory
from tests.stock_helpers import adjust, assert_ledger_adds_up, count, level_of, medicine, receive

MONTH = f"{timezone.localdate():%Y-%m}"


@pytest.fixture
def month_of_work(centre, make_api):
    """A month at the centre: receipts, doses (one with no stock), a count and an adjustment."""
    para = medicine(centre.facility)
    halo = medicine(centre.facility, name="Haloperidol", strength="1,5mg", controlled=True)
    resident = ResidentFactory(area=centre.elderly, full_name="Lê Văn Ba")
    order = MedicationOrderFactory(resident=resident, medicine=halo, controlled=True)
    tasks = [
        TaskFactory(resident=resident, kind="medication", order=order, title=f"Haloperidol {i}")
        for i in range(3)
    ]
    nurse = phone(make_api, "nurse")
    witness = str(centre.manager.id)
    expiry = (timezone.localdate() + timedelta(days=200)).isoformat()
    push(
        nurse,
        receive(para, 100, expiry=expiry),
        receive(para, 40, source="donated", expiry=expiry),
        receive(halo, 10, lot="H1", expiry=expiry, witness_id=witness),
        *[give(order, task=t, witness_id=witness) for t in tasks],
        adjust(para, -3, reason="damaged"),
        count(para, 95),
        count(halo, 6, witness_id=witness),
    )
    return {"para": para, "halo": halo, "resident": resident}


def test_levels_are_served_to_nurses_and_managers_only(centre, month_of_work, make_api):
    url = f"/api/meds/stock?facility={centre.facility.id}"
    body = phone(make_api, "manager").get(url).json()
    para = next(m for m in body["items"] if m["name"] == "Paracetamol")
    assert {(lv["funding_source"], lv["quantity"]) for lv in para["levels"]} == {
        ("bhyt", 95),
        ("donated", 40),
    }
    assert para["levels"][0]["lots"][0]["quantity"] > 0
    assert phone(make_api, "nurse").get(url).status_code == 200
    for who in ("carer", "kitchen"):
        response = phone(make_api, who).get(url)
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
    other = phone(make_api, "outsider").get(url)
    assert other.status_code == 404 and other.json()["code"] == "not_found"


def test_the_month_report_sums_the_ledger(centre, month_of_work, make_api):
    body = (
        phone(make_api, "nurse")
        .get(f"/api/reports/stock?facility={centre.facility.id}&month={MONTH}")
        .json()
    )
    assert body["month"] == MONTH and body["facility"]["name"] == centre.facility.name
    rows = {(r["name"], r["funding_source"]): r for r in body["rows"]}
    assert rows[("Paracetamol", "bhyt")] | {} == {
        **rows[("Paracetamol", "bhyt")],
        "opening": 0,
        "received": 100,
        "dispensed": 0,
        "adjusted": -5,
        "closing": 95,
    }
    assert rows[("Haloperidol", "bhyt")]["dispensed"] == 3
    for r in body["rows"]:
        moves = StockMove.objects.filter(
            medicine_id=r["medicine_id"], funding_source=r["funding_source"]
        )
        assert Decimal(r["closing"]) == moves.aggregate(s=Sum("quantity"))["s"]
        assert (
            Decimal(r["received"]) == moves.filter(kind="receipt").aggregate(s=Sum("quantity"))["s"]
        )
        assert Decimal(r["closing"]) == level_of(
            month_of_work["para"] if r["name"] == "Paracetamol" else month_of_work["halo"],
            r["funding_source"],
        )
    assert_ledger_adds_up()


def test_next_months_opening_is_this_months_closing(centre, month_of_work, make_api):
    nxt = timezone.localdate().replace(day=28) + timedelta(days=7)
    body = (
        phone(make_api, "manager")
        .get(f"/api/reports/stock?facility={centre.facility.id}&month={nxt:%Y-%m}")
        .json()
    )
    row = next(
        r for r in body["rows"] if r["name"] == "Paracetamol" and r["funding_source"] == "bhyt"
    )
    assert (row["opening"], row["received"], row["closing"]) == (95, 0, 95)


def test_the_controlled_register_lists_each_move_with_who_witness_and_balance(
    centre, month_of_work, make_api
):
    body = (
        phone(make_api, "nurse")
        .get(f"/api/reports/stock/register?facility={centre.facility.id}&month={MONTH}")
        .json()
    )
    (drug,) = body["drugs"]
    assert drug["name"] == "Haloperidol 1,5mg" and drug["opening"] == 0
    assert [
        (line["kind"], line["in"], line["out"], line["balance_after"]) for line in drug["lines"]
    ] == [
        ("receipt", 10, None, 10),
        ("dose", None, 1, 9),
        ("dose", None, 1, 8),
        ("dose", None, 1, 7),
        ("count", None, 1, 6),
    ]
    assert {line["witness"] for line in drug["lines"]} == {"Người manager"}
    assert drug["lines"][1]["by"] == "Người nurse" and drug["lines"][1]["for"] == "Lê Văn Ba"
    assert drug["closing"] == 6


def test_the_workbook_is_laid_out_as_centres_keep_it(centre, month_of_work, make_api):
    response = phone(make_api, "manager").get(
        f"/api/reports/stock?facility={centre.facility.id}&month={MONTH}&format=xlsx"
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames[0] == "Nhập xuất tồn" and len(wb.sheetnames) == 2
    sheet = wb["Nhập xuất tồn"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == centre.facility.name.upper()
    assert "NHẬP – XUẤT – TỒN" in values[1][0] and f"THÁNG {int(MONTH[5:])}" in values[1][0]
    assert values[3][:6] == [
        "STT",
        "Tên thuốc",
        "Hàm lượng",
        "Đơn vị tính",
        "Nguồn kinh phí",
        "Tồn đầu kỳ",
    ]
    para = next(v for v in values if v[1] == "Paracetamol" and v[4] == "Bảo hiểm y tế")
    assert para[5:10] == [0, 100, 0, -5, 95]
    register = [[c.value for c in row] for row in wb.worksheets[1].iter_rows()]
    last = [r for r in register if isinstance(r[0], int)][-1]
    assert last[8] == 6 and last[10] == "Người manager"  # balance after, witness


@pytest.mark.parametrize(
    ("who", "query", "status", "code"),
    [
        ("carer", f"month={MONTH}", 403, "forbidden"),
        ("kitchen", f"month={MONTH}", 403, "forbidden"),
        ("outsider", f"month={MONTH}", 404, "not_found"),
        ("nurse", "month=2026-13", 400, "invalid_month"),
        ("nurse", f"month={MONTH}&format=pdf", 400, "invalid_format"),
    ],
)
def test_the_report_refuses_with_a_code(centre, make_api, who, query, status, code):
    response = phone(make_api, who).get(f"/api/reports/stock?facility={centre.facility.id}&{query}")
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_the_printable_page_opens_for_a_nurse_with_a_web_session(centre, month_of_work):
    client = Client()
    url = f"/reports/stock/{centre.facility.code}/{MONTH}/"
    assert client.get(url).status_code == 302  # to the login
    client.force_login(centre.nurse)
    index = client.get("/reports/").content.decode()
    assert url in index and "/reports/food-safety/" not in index
    page = client.get(url).content.decode()
    assert "NHẬP – XUẤT – TỒN" in page.upper() and "Lê Văn Ba" in page
    assert "Người manager" in page
    xlsx = client.get(url + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    client.force_login(centre.carer)
    assert client.get(url).status_code == 403
