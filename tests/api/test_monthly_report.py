"""The monthly report counts what was logged, by the seed-000 headings, and nothing voided;
past months keep the prices their doses were given at; a death is counted once."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from server.meds.models import MedicationAdministration
from server.reports.monthly import Month, monthly_report
from tests.events import event
from tests.factories import MedicationOrderFactory, ResidentFactory, TaskFactory
from tests.papers import at


def test_it_counts_residents_by_category_with_disabled_and_movements(november):
    report = monthly_report(facility=november.facility, month=Month(2026, 11))
    residents = report["residents"]
    assert residents["total"] == 5  # six on the books, one died
    assert residents["by_category"]["lonely_elderly"] == {
        "label": "Người cao tuổi neo đơn",
        "total": 4,
        "disabled": 2,
        "severe": 1,
        "men": 0,
    }
    assert residents["received"] == 1
    assert residents["received_by_source"] == {"UBND xã Hưng Hội": 1}
    assert residents["received_rows"] == [
        {"category": "child", "source": "UBND xã Hưng Hội", "count": 1}
    ]
    assert (residents["deaths"], residents["hospital_transfers"]) == (1, 1)
    assert report["target"] == {"residents": 6, "actual": 5, "percent": 83.3}


def test_it_counts_doses_and_costs_by_funding_source_without_voided_or_refused(november):
    medication = monthly_report(facility=november.facility, month=Month(2026, 11))["medication"]
    assert medication["doses"] == 5
    assert medication["by_funding_source"]["bhyt"] == {
        "doses": 2,
        "residents": 1,
        "cost_vnd": 40000,
    }
    assert medication["by_funding_source"]["donated"] == {
        "doses": 1,
        "residents": 1,
        "cost_vnd": 5000,
    }
    assert medication["by_funding_source"]["budget"]["cost_vnd"] == 3_000_000
    assert medication["psychiatric_residents"] == 1
    assert medication["cost_vnd"] == 3_045_000


def test_it_counts_disinfection_rounds_by_target_without_voided(november):
    hygiene = monthly_report(facility=november.facility, month=Month(2026, 11))["hygiene_and_food"]
    assert hygiene["disinfection_rounds"] == 3
    assert hygiene["disinfection_by_target"] == {"area": 1, "vehicle": 2}


def test_it_serves_the_report_to_managers_only(november, make_api):
    manager, carer, outsider = make_api(), make_api(), make_api()
    manager.login("manager")
    carer.login("carer")
    outsider.login("outsider")
    path = f"/api/reports/monthly?facility={november.facility.id}&month=2026-11"
    response = manager.get(path)
    assert response.status_code == 200
    assert response.json()["medication"]["doses"] == 5
    assert response.json()["staff"] == {"permanent": 9, "contract": 22, "total": 31, "accounts": 5}
    assert carer.get(path).json()["code"] == "forbidden"
    assert outsider.get(path).status_code == 404
    for bad in ("2026-13", "2026-1", "tháng 11", "2026-11-01", ""):
        answer = manager.get(path.replace("2026-11", bad))
        assert (answer.status_code, answer.json()["code"]) == (400, "invalid_month"), bad
    assert carer.get(path.replace("2026-11", "2026-13")).json()["code"] == "forbidden"
    assert manager.get(path + "&format=pdf").json()["code"] == "invalid_format"


def test_a_price_changed_in_the_admin_leaves_last_months_report_unchanged(centre, make_api, client):
    """The dose is given through the real med.administer handler, which keeps the price."""
    resident = ResidentFactory(area=centre.elderly)
    order = MedicationOrderFactory(resident=resident, funding_source="bhyt", unit_cost_vnd=450)
    task = TaskFactory(resident=resident, kind="medication", order=order, title="Amlodipin")
    nurse = make_api()
    nurse.login("nurse")
    given = event(
        "med.administer",
        {"administration_id": uuid.uuid4(), "order_id": order.id, "task_id": task.id,
         "outcome": "given"},
    )  # fmt: skip
    assert nurse.sync([given]).json()["results"][0]["status"] == "applied"
    assert MedicationAdministration.objects.get().unit_cost_vnd == 450
    month = timezone.localdate().strftime("%Y-%m")
    manager = make_api()
    manager.login("manager")
    path = f"/api/reports/monthly?facility={centre.facility.id}&month={month}"
    before = manager.get(path).json()["medication"]["by_funding_source"]["bhyt"]

    centre.manager.is_staff = centre.manager.is_superuser = True
    centre.manager.save()
    client.force_login(centre.manager)
    form = {
        "facility": centre.facility.id,
        "resident": resident.id,
        "drug": order.drug,
        "dose": order.dose,
        "route": order.route,
        "times": '["07:00"]',
        "funding_source": "bhyt",
        "unit_cost_vnd": 9000,
        "window_minutes": "",
        "active": "on",
    }
    edited = client.post(f"/admin/meds/medicationorder/{order.id}/change/", form)
    assert edited.status_code == 302, edited.content.decode()[:2000]
    order.refresh_from_db()
    assert order.unit_cost_vnd == 9000
    after = manager.get(path).json()["medication"]["by_funding_source"]["bhyt"]
    assert after == before == {"doses": 1, "residents": 1, "cost_vnd": 450}


def test_a_death_two_phones_report_is_one_death_in_the_report(centre, make_api):
    resident = ResidentFactory(area=centre.elderly)
    phones = [make_api(), make_api()]
    phones[0].login("nurse")
    phones[1].login("manager")
    when = timezone.now() - timedelta(minutes=5)
    for phone in phones:
        death = event(
            "resident.transfer",
            {"resident_id": resident.id, "status": "deceased", "reason": "bệnh nặng"},
            at=when,
        )
        assert phone.sync([death]).json()["results"][0]["status"] in ("applied", "merged")
    month = timezone.localdate().strftime("%Y-%m")
    report = phones[1].get(f"/api/reports/monthly?facility={centre.facility.id}&month={month}")
    assert report.json()["residents"]["deaths"] == 1
    assert report.json()["residents"]["total"] == 0


def test_it_prints_the_report_page_for_a_logged_in_manager(november, client):
    client.force_login(november.manager)
    page = client.get(f"/reports/monthly/{november.facility.code}/2026-11/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Tổng số đối tượng hiện tại của Trung tâm là 05 đối tượng" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Số: 125/BC-TTBTXH" in text
    assert "(Ký, ghi rõ họ tên)" in text
    assert "3.000.000 đ" in text
    for code in ("sun_exposure", "in_hospital", "meal", "bhyt", "Xung đột dữ liệu"):
        assert code not in text, code
    client.force_login(november.outsider)
    refused = client.get(f"/reports/monthly/{november.facility.code}/2026-11/")
    assert refused.status_code == 403
    assert "Không có quyền" in refused.content.decode()


def test_a_month_with_no_records_still_prints(centre, client):
    client.force_login(centre.manager)
    page = client.get(f"/reports/monthly/{centre.facility.code}/2026-01/")
    assert page.status_code == 200
    assert "không tiếp nhận đối tượng mới" in page.content.decode()
    assert at(1).month == 11
