"""The phone offers what the centre's settings and the server's codes allow, sends codes, and
a finished task says what happened."""

from __future__ import annotations

import pytest

from server.care.models import TaskInstance
from sync.models import EventLog
from sync.types import publish
from tests.browser.conftest import artifacts, login, new_phone, wait_synced
from tests.factories import TaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def options(page) -> list[str]:
    page.wait_for_selector(".sheet")
    return [b.strip() for b in page.locator(".sheet button.option").all_inner_texts()]


def test_it_offers_the_centres_portions_and_sends_reason_codes(asgi_server, ward, chromium):
    facility = ward.centre.facility
    facility.settings = {"meal_portions": [0, 50, 100], "sun_exposure_choices": [5, 20]}
    facility.save()
    sun = TaskFactory(
        resident=ward.residents[1], kind="sun_exposure", title="Tắm nắng", slot="11:00"
    )
    publish([facility, sun])
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "carer")
    page.wait_for_selector(f"li[data-task='{sun.id}']")
    wait_synced(page)

    hoa, nam, lan = ward.meals
    page.click(f"li[data-task='{hoa.id}'] button.more")
    offered = options(page)
    assert page.inner_text(".sheet h2").startswith("Trần Thị Hoa · ")  # names who it acts on
    assert "Ăn một nửa" in offered and "Ăn 3/4" not in offered and "Ăn ít (1/4)" not in offered
    page.screenshot(path=str(artifacts() / "meal-choices-360x740.png"))
    page.click(".sheet button[data-outcome=partial]")

    page.click(f"li[data-task='{nam.id}'] button.more")
    options(page)
    page.click(".sheet button[data-outcome=refused]")
    assert page.inner_text(".sheet h2").startswith("Lê Văn Nam · ")
    page.click(".sheet button[data-reason=unwell]")

    page.click(f"li[data-task='{sun.id}'] button.more")
    offered = options(page)
    assert "Đã tắm nắng 20 phút" in offered and "Đã tắm nắng 5 phút" in offered
    assert "Đã tắm nắng 15 phút" not in offered
    page.click(".sheet button[data-outcome=skipped]")
    page.click(".sheet button[data-reason=rain]")
    wait_synced(page)

    assert [e.status for e in EventLog.objects.filter(name="task.complete")] == ["applied"] * 3
    by_id = {t.id: t for t in TaskInstance.objects.filter(id__in=[hoa.id, nam.id, sun.id])}
    assert by_id[hoa.id].details == {"portion": 50}
    assert (by_id[nam.id].status, by_id[nam.id].reason) == ("refused", "unwell")
    assert (by_id[sun.id].status, by_id[sun.id].reason) == ("skipped", "rain")
    assert page.inner_text(f"li[data-task='{nam.id}'] .chip") == "Không ăn · Mệt, không khỏe"
    assert page.inner_text(f"li[data-task='{sun.id}'] .chip") == "Bỏ qua · Trời mưa"
    assert page.inner_text(f"li[data-task='{hoa.id}'] .chip") == "Đã ăn 50%"
    page.screenshot(path=str(artifacts() / "finished-tasks-360x740.png"))
    assert page.errors == []
    context.close()


def test_a_given_dose_shows_given_and_opens_locked(asgi_server, ward, chromium):
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "nurse")
    row = f"li[data-task='{ward.med_task.id}']"
    page.wait_for_selector(row)
    wait_synced(page)
    page.goto(page.url.split("#")[0] + f"#/med/{ward.med_task.id}")
    page.click("[data-action=give]")
    page.wait_for_selector(row)
    assert page.inner_text(f"{row} .chip").startswith("Đã cho dùng")
    assert page.inner_text(f"{row} [data-action=med]") == "Xem"
    page.click(f"{row} [data-action=med]")
    page.wait_for_selector("[data-locked]")
    assert page.errors == []
    context.close()


def test_a_tap_is_not_lost_when_the_list_is_redrawn_under_the_finger(asgi_server, ward, chromium):
    """A sync landing between finger-down and finger-up redraws the list: the tap still opens
    the row's sheet (a redraw that replaces the button mid-tap swallows the click)."""
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "carer")
    nam = f"li[data-task='{ward.meals[1].id}'] button.more"
    page.wait_for_selector(nam)
    wait_synced(page)
    box = page.locator(nam).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.evaluate(f"""async () => {{
        document.querySelector("{nam}").dataset.old = '1';
        (await import('./js/state.js')).changed('sync');
        await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    }}""")
    page.mouse.up()
    page.wait_for_selector(".sheet", timeout=3_000)
    assert page.inner_text(".sheet h2").startswith("Lê Văn Nam · ")
    # The list is redrawn once the finger is up, not left stale.
    page.click(".sheet button.ghost")
    page.wait_for_function(f'!document.querySelector("{nam}").dataset.old')
    assert page.errors == []
    context.close()
