"""The kitchen's samples on the phone: the menu's dish decides the minimum (a soup weighed in
grams still needs 150 ml), samples are held one at a time or a whole meal at once and a held
sample is never due for discard, a nurse releases it; the sample fridge's daily reading."""

from __future__ import annotations

import pytest
from django.utils import timezone

from server.kitchen.models import FoodSample, FridgeReading, MenuDish
from sync.types import publish
from tests.browser.conftest import artifacts, login, new_phone, wait_synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_sample(page, dish: str, quantity: str, unit: str = "g") -> None:
    page.select_option("[name=meal]", "lunch")
    page.fill("[name=dish]", dish)
    page.fill("[name=quantity]", quantity)
    page.select_option("[name=unit]", unit)
    page.click("[data-action=save-sample]")


def test_samples_by_dish_held_and_released_and_the_fridge(asgi_server, ward, chromium):
    publish(
        [
            MenuDish.objects.create(
                facility=ward.centre.facility,
                date=timezone.localdate(),
                meal=meal,
                dish=dish,
                liquid=liquid,
                locked=True,
            )
            for meal, dish, liquid in [
                ("lunch", "Cơm trắng", False),
                ("lunch", "Canh chua cá", True),
            ]
        ]
    )
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "kitchen")
    page.wait_for_selector("[data-menu=sync]")
    wait_synced(page)

    add_sample(page, "Canh chua cá", "120", "g")  # 120 g passes a solid's 100 g, not a soup's 150
    page.wait_for_selector(".toast.bad")
    assert "Canh chua cá cần mẫu ít nhất 150 ml" in page.inner_text(".toast.bad")
    add_sample(page, "Canh chua cá", "160", "ml")
    page.wait_for_selector("li[data-sample]")
    add_sample(page, "Cơm trắng", "110", "g")
    page.wait_for_function("document.querySelectorAll('li[data-sample]').length === 2")
    wait_synced(page)
    assert FoodSample.objects.count() == 2

    context.set_offline(True)
    page.click("[data-action=hold-meal]")
    assert "Bữa trưa" in page.inner_text(".sheet h2")
    page.fill("[name=hold_reason]", "Nghi ngộ độc thực phẩm")
    page.click("[data-action=confirm-reason]")
    page.wait_for_function(
        "document.querySelectorAll('li[data-sample][data-hold=\"1\"]').length === 2"
    )
    assert page.locator("li[data-sample] [data-action=discard]").count() == 0
    assert page.locator("li[data-sample] [data-action=release]").count() == 0  # kitchen cannot

    page.fill("[name=temp_c]", "9.5")
    page.click("[data-action=save-fridge]")
    page.wait_for_selector("[data-fridge] li.task.late")
    page.locator("[data-fridge]").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts() / "kitchen-held-fridge-offline-360x740.png"))
    context.set_offline(False)
    wait_synced(page)
    assert set(FoodSample.objects.values_list("hold", flat=True)) == {True}
    reading = FridgeReading.objects.get()
    assert float(reading.temp_c) == 9.5 and reading.flags
    missing = int(page.get_attribute("[data-fridge-missing]", "data-fridge-missing"))
    assert missing == 6  # today has its reading; the six days before have none
    assert page.errors == []
    context.close()

    context, page = new_phone(chromium)
    login(page, asgi_server.url, "nurse")
    wait_synced(page)
    page.click("#nav a[data-tab=kitchen]")
    page.wait_for_selector("li[data-sample] [data-action=release]")
    page.locator("li[data-sample] [data-action=release]").first.click()
    page.fill("[name=hold_reason]", "Kết quả xét nghiệm âm tính")
    page.click("[data-action=confirm-reason]")
    wait_synced(page)
    assert sorted(FoodSample.objects.values_list("hold", flat=True)) == [False, True]
    page.screenshot(path=str(artifacts() / "kitchen-release-360x740.png"))
    assert page.errors == []
    context.close()


def test_a_step_one_check_fills_every_column_and_ticks_nothing_by_default(
    asgi_server, ward, chromium
):
    from server.kitchen.models import FoodCheck

    context, page = new_phone(chromium)
    login(page, asgi_server.url, "kitchen")
    wait_synced(page)
    page.goto(page.url.split("#")[0] + "#/kitchen/1")
    page.wait_for_selector("[data-action=save-check]")
    assert page.eval_on_selector("[name=sensory_ok]", "s => s.value") == ""  # not "pass"
    values = {
        "name": "Thịt lợn",
        "quantity": "12 kg",
        "supplier": "Cơ sở Hòa Bình",
        "supplier_address": "Ấp 3, xã Vĩnh Trạch",
        "supplier_phone": "0291 3822 111",
        "deliverer": "Anh Tư",
        "papers": "HĐ 0012",
        "quick_test": "Âm tính",
        "storage": "Tủ mát 4 °C",
        "action": "Nhận",
    }
    for name, value in values.items():
        page.fill(f"[name={name}]", value)
    page.fill("[name=received_at]", "06:15")
    page.fill("[name=expiry_date]", "2030-01-31")
    page.select_option("[name=part]", "fresh")
    page.screenshot(path=str(artifacts() / "kitchen-step1-360x740.png"), full_page=True)
    page.click("[data-action=save-check]")
    wait_synced(page)
    item = FoodCheck.objects.get().items[0]
    assert {k: item[k] for k in values} == values
    assert item["sensory_ok"] is None and item["expiry_date"] == "2030-01-31"
    assert item["received_at"]
    assert page.errors == []
    context.close()
