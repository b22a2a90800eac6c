"""CSV exports of every record type for a centre and a date range: streamed, UTF-8 with a
byte-order mark (Excel then reads Vietnamese), labels in Vietnamese, managers only."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import pytest

from server.reports.export import EXPORTS


@pytest.fixture
def manager(november, make_api):
    client = make_api()
    client.login("manager")
    return client


def export(client, centre, kind, start="2026-11-01", end="2026-11-30"):
    return client.get(
        f"/api/reports/export?facility={centre.facility.id}&type={kind}"
        f"&date_from={start}&date_to={end}"
    )


def rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_every_record_type_exports_with_vietnamese_headers(manager, november, kind):
    response = export(manager, november, kind)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert unquote(response["Content-Disposition"].split("''")[1]).endswith(
        "bac-lieu-test 01-11-2026 đến 30-11-2026.csv"
    )
    header = rows(response)[0]
    assert header[0] == "Mã bản ghi"
    assert all(not h.isascii() for h in header), header  # Vietnamese words, no field names


def test_the_doses_of_the_range_only_with_names_and_words(manager, november):
    table = rows(export(manager, november, "med_administrations"))
    header, body = table[0], table[1:]
    assert len(body) == 7  # November's doses (voided and refused are records too), not October's
    outcome = header.index("Kết quả")
    assert {r[outcome] for r in body} == {"Đã cho dùng", "Từ chối"}
    assert "Người nurse" in {r[header.index("Người cho thuốc")] for r in body}
    snapshot = header.index("Đơn giá lúc cấp (đồng)")
    assert "1500000" in {r[snapshot] for r in body}


def test_the_roster_prints_categories_in_words(manager, november):
    table = rows(export(manager, november, "residents"))
    categories = {r[table[0].index("Diện đối tượng")] for r in table[1:]}
    assert "Người cao tuổi neo đơn; Người khuyết tật" in categories
    assert not any("lonely_elderly" in c for c in categories)


def test_the_food_samples_of_one_day(manager, november):
    table = rows(export(manager, november, "food_samples", "2026-11-03", "2026-11-03"))
    assert sorted(r[table[0].index("Món")] for r in table[1:]) == [
        "Canh chua cá lóc",
        "Thịt kho trứng",
    ]
    assert {r[table[0].index("Bữa")] for r in table[1:]} == {"Bữa trưa"}


def test_exports_refuse_other_roles_other_centres_and_bad_input(november, make_api, manager):
    carer, outsider, kitchen = make_api(), make_api(), make_api()
    carer.login("carer")
    outsider.login("outsider")
    kitchen.login("kitchen")
    assert export(carer, november, "tasks").json()["code"] == "forbidden"
    assert export(kitchen, november, "food_samples").status_code == 403
    assert export(outsider, november, "tasks").json()["code"] == "not_found"
    assert export(manager, november, "users").json()["code"] == "invalid_type"
    assert export(manager, november, "tasks", "2026-11-30", "2026-11-01").json()["code"] == (
        "invalid_range"
    )
    assert export(manager, november, "tasks", "2024-01-01", "2026-01-01").json()["code"] == (
        "invalid_range"
    )
    assert export(manager, november, "tasks", "2026-11-31").json()["code"] == "invalid_request"


def test_the_web_export_streams_for_a_logged_in_manager(november, client):
    client.force_login(november.manager)
    path = (
        f"/reports/export/{november.facility.code}/?type=disinfection&from=2026-11-01&to=2026-11-30"
    )
    response = client.get(path)
    assert response.status_code == 200
    assert len(rows(response)) == 1 + 4  # the voided round is exported, marked void
    assert client.get(path.replace("disinfection", "x")).status_code == 400
