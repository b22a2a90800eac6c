"""`manage.py seed_demo`: the two demo centres, idempotent, published for the phones."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from server.accounts.models import Membership, User
from server.care.horizon import local_today
from server.care.models import Area, Facility, Resident, Routine, TaskInstance
from server.meds.models import MedicationOrder
from server.seed.demo import demo_seed
from sync.models import Change

MODELS = (
    Facility,
    Area,
    Resident,
    Routine,
    TaskInstance,
    MedicationOrder,
    User,
    Membership,
    Change,
)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.fixture
def seeded(db):
    demo_seed(today=local_today())


def test_it_creates_nothing_and_changes_no_counts_on_a_second_run(seeded):
    first = counts()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == first
    assert "việc cần làm mới: 0" in out.getvalue()
    assert first["Facility"] == 2 and first["TaskInstance"] > 1000


def test_it_seeds_bac_lieu_as_its_nine_month_review_describes_it(seeded):
    residents = Resident.objects.filter(facility__code="bac-lieu")
    assert residents.count() == 80
    assert Counter(residents.values_list("primary_category", flat=True)) == {
        "lonely_elderly": 48,
        "child": 28,
        "agent_orange": 2,
        "emergency": 2,
    }
    elderly = residents.filter(primary_category="lonely_elderly")
    children = residents.filter(primary_category="child")
    assert sum("disability" in r.categories for r in elderly) == 27
    assert sum("disability" in r.categories for r in children) == 11
    assert set(residents.filter(primary_category="agent_orange").values_list("sex", flat=True)) == {
        "M"
    }
    assert sum("psychiatric" in r.categories for r in residents) >= 3
    assert residents.filter(severe_disability=True).count() >= 10
    assert len(set(residents.values_list("full_name", flat=True))) == 80
    kinds = set(Area.objects.filter(facility__code="bac-lieu").values_list("kind", flat=True))
    assert kinds == {"care", "kitchen", "vehicle"}


def test_it_seeds_nam_dinh_with_its_152_residents(seeded):
    assert Resident.objects.filter(facility__code="nam-dinh").count() == 152
    assert (
        Facility.objects.get(code="nam-dinh").name
        == "Trung tâm Bảo trợ xã hội tổng hợp tỉnh Nam Định"
    )


def test_it_plans_meals_sun_exposure_disinfection_and_medicines(seeded):
    facility = Facility.objects.get(code="bac-lieu")
    routines = Routine.objects.filter(facility=facility)
    assert routines.filter(kind="meal").count() == 3 * 80
    severe = Resident.objects.filter(facility=facility, severe_disability=True).count()
    assert routines.filter(kind="sun_exposure", times=["08:00"]).count() == severe
    disinfected = set(routines.filter(kind="disinfection").values_list("area__kind", flat=True))
    assert disinfected == {"care", "kitchen", "vehicle"}
    vehicle = routines.get(kind="disinfection", area__kind="vehicle")
    assert len(vehicle.times) == 2 and vehicle.details["chemical"] == "Cloramin B"
    orders = MedicationOrder.objects.filter(facility=facility)
    assert 25 <= orders.values("resident").distinct().count() <= 35
    prn = orders.filter(prn=True)
    assert prn.exists() and all(
        o.min_interval_minutes and o.max_per_24h and not o.times for o in prn
    )
    assert orders.filter(controlled=True, drug__regex="Haloperidol|Olanzapin").exists()
    assert set(orders.values_list("funding_source", flat=True)) == {"bhyt", "budget", "donated"}


def test_it_gives_every_demo_user_their_role_and_areas(seeded):
    def areas(username: str) -> set[str]:
        return set(
            Membership.objects.get(user__username=username).areas.values_list("code", flat=True)
        )

    assert Membership.objects.get(user__username="carer.bl2").role == "carer"
    assert "elderly" in areas("carer.bl1") and areas("carer.bl2") == {"elderly"}
    assert areas("carer.bl3") == {"children"}
    assert areas("kitchen.bl") == {"kitchen", "vehicle"}
    assert Membership.objects.get(user__username="manager.nd").facility.code == "nam-dinh"
    assert User.objects.get(username="admin").is_superuser


def test_it_gives_a_phones_first_pull_the_centre_its_residents_and_tasks(seeded, api, settings):
    api.login("carer.bl3", settings.DEMO_PASSWORD)
    types: Counter = Counter()
    cursor = None
    while True:
        body = api.sync(cursor=cursor).json()
        types.update(c["type"] for c in body["changes"])
        cursor = body["cursor"]
        if not body["more"]:
            break
    children = Area.objects.get(facility__code="bac-lieu", code="children")
    assert types["facility"] == 1
    assert types["area"] == Area.objects.filter(facility__code="bac-lieu").count()
    assert types["resident"] == Resident.objects.filter(area=children).count()
    assert types["task"] == TaskInstance.objects.filter(area=children).count() > 0


def test_it_seeds_a_rota_for_the_demo_days_once(seeded):
    from server.rota.models import RotaEntry

    today = local_today()
    bac_lieu = RotaEntry.objects.filter(facility__code="bac-lieu", date=today)
    assert set(bac_lieu.filter(shift="day").values_list("user__username", flat=True)) == {
        "carer.bl1",
        "carer.bl2",
        "carer.bl3",
    }
    assert bac_lieu.filter(shift="night").count() == 1
    children = bac_lieu.get(shift="day", user__username="carer.bl3")
    assert {a.code for a in children.areas.all()} == {"children"}
    before = RotaEntry.objects.count()
    demo_seed(today=today)
    assert RotaEntry.objects.count() == before


def test_it_gives_each_centre_its_letterhead_and_nam_dinh_its_target(seeded, api, settings):
    from server.reports.models import ReportSettings

    nam_dinh = ReportSettings.objects.get(facility__code="nam-dinh")
    assert nam_dinh.target_residents == 160
    assert nam_dinh.place_name == "Nam Định"
    assert ReportSettings.objects.get(facility__code="bac-lieu").target_residents is None
    # An edit in the admin survives the next seed.
    ReportSettings.objects.filter(pk=nam_dinh.pk).update(director_name="Nguyễn Văn A")
    demo_seed(today=local_today())
    assert ReportSettings.objects.get(pk=nam_dinh.pk).director_name == "Nguyễn Văn A"
    assert ReportSettings.objects.count() == 2


def test_it_links_every_order_to_a_medicine_with_opening_stock(seeded):
    from decimal import Decimal

    from server.stock.models import StockLevel, StockLot
    from tests.stock_helpers import assert_ledger_adds_up

    for facility in Facility.objects.all():
        orders = MedicationOrder.objects.filter(facility=facility)
        assert not orders.filter(medicine__isnull=True).exists()
        assert not orders.exclude(medicine__facility=facility).exists()
        for order in orders:
            level = StockLevel.objects.get(
                medicine=order.medicine, funding_source=order.funding_source
            )
            assert level.quantity >= 20
        # A controlled drug in stock, and a PRN order sharing a scheduled order's medicine.
        assert orders.filter(
            medicine__controlled=True, drug__regex="Haloperidol|Olanzapin"
        ).exists()
        scheduled = set(orders.filter(prn=False).values_list("medicine_id", flat=True))
        assert orders.filter(prn=True, medicine_id__in=scheduled).exists()
        used = set(orders.values_list("funding_source", flat=True))
        sources = set(
            StockLevel.objects.filter(facility=facility).values_list("funding_source", flat=True)
        )
        assert sources == used | {"family"}
        soon = local_today() + __import__("datetime").timedelta(days=30)
        assert StockLot.objects.filter(
            level__facility=facility, expiry__lte=soon, quantity__gt=Decimal(0)
        ).exists()
    assert_ledger_adds_up()


def test_it_locks_a_menu_for_the_demo_days_so_samples_are_expected(seeded, settings):
    from server.kitchen.models import MenuDish

    today = local_today()
    menu = MenuDish.objects.filter(facility__code="bac-lieu", date=today, locked=True)
    assert set(menu.values_list("meal", flat=True)) == {"breakfast", "lunch", "dinner"}
    assert menu.filter(liquid=True).exists() and menu.filter(liquid=False).exists()
    days = set(MenuDish.objects.values_list("date", flat=True))
    assert len(days) == settings.TASK_HORIZON_DAYS
    before = MenuDish.objects.count()
    demo_seed(today=today)
    assert MenuDish.objects.count() == before
