"""The monthly report counts what was logged, by the seed-000 headings, and nothing voided."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from server.care.models import ResidentTransfer
from server.hygiene.models import DisinfectionRecord
from server.meds.models import MedicationAdministration, MedicationVoid
from server.reports.monthly import Month, monthly_report
from tests.factories import MedicationOrderFactory, ResidentFactory


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=timezone.get_current_timezone())


def dose(order, when, by, outcome="given"):
    return MedicationAdministration.objects.create(
        id=uuid.uuid4(),
        facility=order.facility,
        order=order,
        resident=order.resident,
        outcome=outcome,
        at=when,
        by=by,
    )


@pytest.fixture
def november(centre):
    elderly = [
        ResidentFactory(
            area=centre.elderly,
            primary_category="lonely_elderly",
            categories=["lonely_elderly", "disability"] if i < 2 else ["lonely_elderly"],
            severe_disability=i == 0,
        )
        for i in range(5)
    ]
    child = ResidentFactory(
        area=centre.children,
        primary_category="child",
        categories=["child"],
        admitted_on=date(2026, 11, 10),
        admission_source="UBND xã Hưng Hội",
    )
    ResidentTransfer.objects.create(
        facility=centre.facility,
        resident=elderly[4],
        status="deceased",
        previous_status="present",
        by=centre.nurse,
        at=at(12),
    )
    ResidentTransfer.objects.create(
        facility=centre.facility,
        resident=elderly[3],
        status="in_hospital",
        previous_status="present",
        by=centre.nurse,
        at=at(14),
    )
    bhyt = MedicationOrderFactory(resident=elderly[0], funding_source="bhyt", unit_cost_vnd=20000)
    donated = MedicationOrderFactory(resident=child, funding_source="donated", unit_cost_vnd=5000)
    dose(bhyt, at(3), centre.nurse)
    dose(bhyt, at(4), centre.nurse)
    voided = dose(bhyt, at(5), centre.nurse)
    MedicationVoid.objects.create(
        facility=centre.facility,
        administration=voided,
        reason="ghi nhầm",
        by=centre.nurse,
        at=at(5, 10),
    )
    dose(bhyt, at(6), centre.nurse, outcome="refused")
    dose(donated, at(7), centre.nurse)
    dose(donated, at(1) - timedelta(days=2), centre.nurse)  # October: not this month
    for target in ("area", "vehicle", "vehicle"):
        DisinfectionRecord.objects.create(
            id=uuid.uuid4(), facility=centre.facility, target=target, by=centre.carer, at=at(8)
        )
    DisinfectionRecord.objects.create(
        id=uuid.uuid4(),
        facility=centre.facility,
        target="area",
        by=centre.carer,
        at=at(8),
        void=True,
    )
    return centre


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
    assert (residents["deaths"], residents["hospital_transfers"]) == (1, 1)


def test_it_counts_doses_and_costs_by_funding_source_without_voided_or_refused(november):
    medication = monthly_report(facility=november.facility, month=Month(2026, 11))["medication"]
    assert medication["doses"] == 3
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
    assert medication["cost_vnd"] == 45000


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
    assert response.json()["medication"]["doses"] == 3
    assert carer.get(path).json()["code"] == "forbidden"
    assert outsider.get(path).status_code == 404
    assert manager.get(path.replace("2026-11", "2026-13")).json()["code"] == "invalid_month"


def test_it_prints_the_report_page_for_a_logged_in_manager(november, client):
    november.manager.is_staff = True
    november.manager.save()
    client.force_login(november.manager)
    page = client.get(f"/reports/monthly/{november.facility.code}/2026-11/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Tổng số đối tượng hiện tại của Trung tâm là <strong>5</strong>" in text
    assert "(Ký, ghi rõ họ tên)" in text
    client.force_login(november.outsider)
    assert client.get(f"/reports/monthly/{november.facility.code}/2026-11/").status_code in (
        302,
        404,
    )
