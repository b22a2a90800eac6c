"""A known month for the papers: November 2026 at the test centre, with every kind of record
a report or a QĐ 1246 form prints (and some that must not count)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from server.care.models import ResidentTransfer, TaskInstance
from server.hygiene.models import DisinfectionRecord
from server.kitchen.models import FoodCheck, FoodSample
from server.meds.models import MedicationAdministration, MedicationVoid
from server.reports.models import PeriodReport, ReportSettings
from tests.factories import MedicationOrderFactory, ResidentFactory, TaskFactory


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone.get_current_timezone())


def dose(order, when, by, outcome="given", unit_cost_vnd=None):
    return MedicationAdministration.objects.create(
        id=uuid.uuid4(),
        facility=order.facility,
        order=order,
        resident=order.resident,
        outcome=outcome,
        at=when,
        by=by,
        unit_cost_vnd=unit_cost_vnd,
    )


@pytest.fixture
def november(centre):
    f = centre.facility
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
    for resident, status, day in ((elderly[4], "deceased", 12), (elderly[3], "in_hospital", 14)):
        ResidentTransfer.objects.create(
            facility=f,
            resident=resident,
            status=status,
            previous_status="present",
            by=centre.nurse,
            at=at(day),
        )
    bhyt = MedicationOrderFactory(resident=elderly[0], funding_source="bhyt", unit_cost_vnd=20000)
    donated = MedicationOrderFactory(resident=child, funding_source="donated", unit_cost_vnd=5000)
    budget = MedicationOrderFactory(
        resident=elderly[1],
        funding_source="budget",
        unit_cost_vnd=1_500_000,
        indication="Tâm thần phân liệt",
        controlled=True,
    )
    dose(bhyt, at(3), centre.nurse)
    dose(bhyt, at(4), centre.nurse)
    voided = dose(bhyt, at(5), centre.nurse)
    MedicationVoid.objects.create(
        facility=f, administration=voided, reason="ghi nhầm", by=centre.nurse, at=at(5, 10)
    )
    dose(bhyt, at(6), centre.nurse, outcome="refused")
    dose(donated, at(7), centre.nurse)
    dose(donated, at(1) - timedelta(days=2), centre.nurse)  # October: not this month
    dose(budget, at(8), centre.nurse, unit_cost_vnd=1_500_000)
    dose(budget, at(9), centre.nurse, unit_cost_vnd=1_500_000)
    for target in ("area", "vehicle", "vehicle"):
        DisinfectionRecord.objects.create(
            id=uuid.uuid4(), facility=f, target=target, by=centre.carer, at=at(8)
        )
    DisinfectionRecord.objects.create(
        id=uuid.uuid4(), facility=f, target="area", by=centre.carer, at=at(8), void=True
    )
    TaskFactory(
        resident=elderly[2],
        kind="sun_exposure",
        title="Tắm nắng",
        due_at=at(3, 8),
        local_date=date(2026, 11, 3),
    )
    TaskFactory(
        resident=elderly[3],
        kind="meal",
        title="Bữa trưa",
        due_at=at(3, 11),
        local_date=date(2026, 11, 3),
    )
    TaskInstance.objects.filter(facility=f, kind="sun_exposure").update(status="done")
    food_day(centre)
    ReportSettings.objects.create(
        facility=f,
        parent_agency="Sở Y tế tỉnh Bạc Liêu",
        place_name="Bạc Liêu",
        director_name="Tô Hồng Nguyên",
        number_pattern="{so}/BC-TTBTXH",
        target_residents=6,
    )
    f.report_recipient = "Sở Y tế tỉnh Bạc Liêu"
    f.save()
    PeriodReport.objects.create(
        facility=f,
        period="2026-11",
        number="125",
        next_plan="Duy trì tắm nắng buổi sáng cho đối tượng khuyết tật đặc biệt nặng.\n"
        "Kiểm tra định kỳ chất lượng thực phẩm.",
        staff_permanent=9,
        staff_contract=22,
    )
    return centre


def food_day(centre) -> None:
    """3 November 2026: the three-step check of lunch, and its two samples (one discarded)."""
    f = centre.facility
    day = date(2026, 11, 3)
    centre.kitchen.full_name = "Huỳnh Thị Bé Ba"
    centre.kitchen.save(update_fields=["full_name"])
    steps = {
        1: [
            {
                "name": "Thịt heo",
                "part": "fresh",
                "received_at": at(3, 6, 30).isoformat(),
                "quantity": "12 kg",
                "supplier": "Cơ sở Ba Lợi",
                "supplier_phone": "0291 3822 111",
                "sensory_ok": True,
            },
            {"name": "Nước mắm", "part": "dry", "expiry_date": "2027-05-01", "sensory_ok": True},
        ],
        2: [
            {
                "dish": "Canh chua cá lóc",
                "portions": 80,
                "cooking_finished_at": at(3, 10, 15).isoformat(),
                "hygiene_people_ok": True,
                "sensory_ok": True,
            }
        ],
        3: [
            {
                "dish": "Canh chua cá lóc",
                "portions": 80,
                "eating_starts_at": at(3, 11).isoformat(),
                "utensils_ok": True,
            }
        ],
    }
    for step, items in steps.items():
        FoodCheck.objects.create(
            id=uuid.uuid4(),
            facility=f,
            meal="lunch",
            meal_date=day,
            step=step,
            result="ok",
            items=items,
            by=centre.kitchen,
            at=at(3, 6 + step),
        )
    for dish, quantity, unit in (("Canh chua cá lóc", 150, "ml"), ("Thịt kho trứng", 100, "g")):
        FoodSample.objects.create(
            id=uuid.uuid4(),
            facility=f,
            meal="lunch",
            meal_date=day,
            dish=dish,
            portions=80,
            quantity=quantity,
            unit=unit,
            container_label="Hộp inox số 3",
            stored_temp_c=4,
            taken_at=at(3, 10, 50),
            keep_until=at(4, 10, 50),
            taken_by=centre.kitchen,
            discarded_at=at(4, 11) if unit == "g" else None,
            discarded_by=centre.kitchen if unit == "g" else None,
        )
