"""Kitchen and disinfection screens in real Chromium: today's rounds, a food vehicle's trip and
the disinfection it leaves due, and today's menu from synced `menu_dish` records."""

from __future__ import annotations

import pytest
from django.utils import timezone

from server.care.models import TaskInstance
from server.care.publish import publish
from server.hygiene.handlers import trip_task_id
from server.hygiene.models import DisinfectionRecord, VehicleTrip
from server.kitchen.models import FoodSample, MenuDish
from tests.browser.conftest import artifacts, login, new_phone, wait_pending, wait_synced
from tests.factories import TaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kitchen_round(ward) -> TaskInstance:
    """The kitchen's scheduled disinfection today (published before the browser starts)."""
    task = TaskFactory(
        area=ward.centre.kitchen_area,
        resident=None,
        kind="disinfection",
        title="Khử khuẩn bếp cuối ngày",
        slot="20:00",
        due_at=timezone.now(),
    )
    publish([task])
    return task


@pytest.fixture
def menu(ward) -> list[MenuDish]:
    today = timezone.localdate()
    dishes = [
        MenuDish.objects.create(
            facility=ward.centre.facility,
            date=today,
            meal=meal,
            dish=dish,
            liquid=liquid,
            locked=True,
        )
        for meal, dish, liquid in [("lunch", "Cơm trắng", False), ("lunch", "Canh chua cá", True)]
    ]
    publish(dishes)
    return dishes


def test_it_records_a_vehicle_trip_and_then_the_disinfection_it_left_due(
    asgi_server, ward, kitchen_round, chromium
):
    vehicle = ward.centre.vehicle
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "kitchen")
    page.wait_for_selector("[data-menu], .empty")  # the kitchen role lands on the kitchen screen
    wait_synced(page)
    page.goto(page.url.split("#")[0] + "#/disinfect")
    page.wait_for_selector(f"li[data-task='{kitchen_round.id}']")  # today's round is listed
    card = f"[data-vehicle='{vehicle.id}']"
    assert "Không có lượt khử khuẩn xe nào đang chờ" in page.inner_text(card)

    context.set_offline(True)  # the yard has no signal: the due task appears all the same
    page.click(f"{card} [data-action=vehicle-back]")
    row = page.wait_for_selector(f"{card} li[data-task]")
    local_task_id = row.get_attribute("data-task")
    context.set_offline(False)
    wait_synced(page)
    trip = VehicleTrip.objects.get(area=vehicle)
    assert (
        local_task_id == str(trip_task_id(trip.id)) == str(trip.task_id)
    )  # the phone's id is the server's
    page.evaluate('scrollTo(0, document.querySelector("[data-vehicle]").offsetTop - 120)')
    page.screenshot(path=str(artifacts() / "disinfection-360x740.png"))

    page.click(f"{card} li[data-task='{local_task_id}'] button")
    page.wait_for_selector("[data-action=save-disinfection]")
    assert page.eval_on_selector("[name=area]", "s => s.value") == str(vehicle.id)
    page.fill("[name=litres]", "10")
    page.click("[data-action=save-disinfection]")
    page.wait_for_selector(f"{card} .empty")  # back on the overview, nothing due for the vehicle
    wait_synced(page)
    record = DisinfectionRecord.objects.get(area=vehicle)
    assert (record.target, str(record.task_id)) == ("vehicle", local_task_id)
    assert TaskInstance.objects.get(id=local_task_id).status == "done"
    assert page.query_selector(f"li[data-record='{record.id}']") is not None  # in "recorded today"
    assert page.errors == []
    context.close()


def test_it_shows_todays_menu_from_synced_menu_dishes_offline(asgi_server, ward, menu, chromium):
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "kitchen")
    page.wait_for_selector("[data-menu=sync]")  # redrawn from the pulled menu_dish records
    wait_synced(page)
    soup = "[data-dish='Canh chua cá']"
    assert page.get_attribute(soup, "data-sampled") == "0"
    assert page.get_attribute("[data-dish='Cơm trắng']", "data-sampled") == "0"

    context.set_offline(True)
    page.select_option("[name=meal]", "lunch")
    page.fill("[name=dish]", "canh chua  cá")  # typed by hand: case and spaces do not matter
    page.fill("[name=quantity]", "150")
    page.select_option("[name=unit]", "ml")
    page.click("[data-action=save-sample]")
    wait_pending(page, 1)
    page.wait_for_selector(f"{soup}[data-sampled='1']")
    assert page.get_attribute("[data-dish='Cơm trắng']", "data-sampled") == "0"
    page.evaluate("scrollTo(0, 0)")
    page.screenshot(path=str(artifacts() / "kitchen-360x740.png"))
    context.set_offline(False)
    wait_synced(page)
    assert FoodSample.objects.get(meal="lunch").quantity == 150
    assert page.errors == []
    context.close()
