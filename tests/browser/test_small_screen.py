"""The phone app on a cheap shared Android (360×740): every screen looked at as its users see
it, with a long Vietnamese name and a full ward. Each test here holds what was found wrong
there: words pushed into a narrow column, a button sticking out of its card, a stretched
chip, a floating button over the last row, a fold that does not look openable, the word
"null" on screen, an empty list that blames the network, a sync bar that says nothing is
waiting on a revoked phone that holds unsent work."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from server.kitchen.models import MenuDish
from sync.types import publish
from tests.browser.conftest import contradict, login, new_phone, wait_pending, wait_synced
from tests.browser.test_revoked import queue_two_and_revoke
from tests.conftest import ApiClient
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 360
LONG = "Nguyễn Thị Phương Thảo Hoàng Ngọc Bích Trâm"


def box(page, selector: str) -> dict:
    b = page.locator(selector).first.bounding_box()
    assert b is not None, selector
    return {**b, "top": b["y"], "right": b["x"] + b["width"], "bottom": b["y"] + b["height"]}


# WCAG contrast between one element's text colour and another's background colour.
CONTRAST = """([text, back]) => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => rgb(c).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const a = lum(getComputedStyle(document.querySelector(text)).color);
  const b = lum(getComputedStyle(document.querySelector(back)).backgroundColor);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def full_ward(ward) -> None:
    """Ten more residents at lunch (one with a long name), each with an evening meal later."""
    now = timezone.now()
    people = [
        ResidentFactory(
            area=ward.centre.elderly,
            full_name=LONG if i == 0 else f"Đỗ Văn Khỏe {i}",
            room=f"B{i:02d}",
        )
        for i in range(10)
    ]
    tasks = [
        TaskFactory(
            resident=r, kind="meal", title=title, slot=slot, due_at=now + timedelta(hours=h)
        )
        for r in people
        for title, slot, h in [("Bữa trưa", "11:00", 0), ("Bữa tối", "17:00", 5)]
    ]
    publish([*people, *tasks])


def test_a_carer_on_a_small_phone_reads_every_row_and_reaches_the_last(asgi_server, ward, chromium):
    full_ward(ward)
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "carer")
    page.wait_for_selector("[data-action=bulk-meal]")
    wait_synced(page)
    no_sideways_scroll(page)

    # The whole-room meal sheet: a long name keeps most of its row, not a one-word column.
    page.click("[data-action=bulk-meal]")
    row = f".sheet .option.row:has-text('{LONG}')"
    page.wait_for_selector(row)
    name = box(page, f"{row} b")
    assert name["width"] >= 0.5 * box(page, row)["width"], name
    assert name["height"] < 4 * 26, name  # at most three lines of 18 px text
    page.click(".sheet .option.ghost")
    page.wait_for_selector(".sheet", state="detached")

    # Folded groups look openable (a flex summary loses the browser's own triangle).
    page.wait_for_selector("[data-group=later] summary")
    for summary in ("[data-group=later] > summary", "details.residents > summary"):
        marker = page.evaluate(
            f"getComputedStyle(document.querySelector({summary!r}), '::before').content"
        )
        assert marker == '"▸"', (summary, marker)
    page.click("[data-group=later] > summary")
    assert (
        page.evaluate(
            "getComputedStyle(document.querySelector('[data-group=later] > summary'), '::before').content"
        )
        == '"▾"'
    )

    # At the very end of the list the floating "now" button covers nothing.
    # Scrolled and measured in one step, again until it holds: a sync answering meanwhile
    # redraws the list, and a scroll made before that redraw is no longer at the end.
    page.click("details.residents > summary")
    page.wait_for_function(
        """() => {
          window.scrollTo(0, document.documentElement.scrollHeight);
          const button = document.querySelector('.now-btn.away');
          const last = document.querySelector('#main').lastElementChild;
          return !!button && last.getBoundingClientRect().bottom <= button.getBoundingClientRect().top;
        }""",
        timeout=10_000,
    )
    no_sideways_scroll(page)

    # No "null" printed where a screen has nothing to put (a carer has no stock link, a new
    # disinfection round no task).
    page.click("#nav a[data-tab=meds]")
    page.wait_for_selector("#main h1:has-text('Thuốc')")
    assert "null" not in page.inner_text("main")
    page.goto(page.url.split("#")[0] + "#/disinfect/new")
    page.wait_for_selector("[data-action=save-disinfection]")
    assert "null" not in page.inner_text("main")
    assert page.errors == []
    context.close()


def test_a_manager_resolves_a_conflict_with_the_button_inside_its_card(asgi_server, ward, chromium):
    contradict(ward.meals[1])
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "manager")
    wait_synced(page)

    # The link to what needs a second look is a full-size target.
    page.wait_for_selector("a.problems-link")
    assert box(page, "a.problems-link")["height"] >= 48

    page.goto(page.url.split("#")[0] + "#/manage")
    page.wait_for_selector("li[data-conflict] [data-action=resolve]")
    card = box(page, "li[data-conflict]")
    button = box(page, "li[data-conflict] [data-action=resolve]")
    assert button["right"] <= card["right"] - 1, (button, card)
    assert button["height"] >= 48
    no_sideways_scroll(page)

    # A resident who is here is shown in the "here" colour, not the grey of "away".
    page.goto(page.url.split("#")[0] + f"#/transfer/{ward.residents[0].id}")
    page.wait_for_selector("form[data-form=transfer]")
    chip = page.locator("form[data-form=transfer] .chip")
    assert chip.inner_text() == "Có mặt"
    assert "done" in chip.get_attribute("class").split()
    assert page.errors == []
    context.close()


def test_the_kitchen_sample_row_keeps_its_countdown_a_chip(asgi_server, ward, chromium):
    publish(
        [
            MenuDish.objects.create(
                facility=ward.centre.facility,
                date=timezone.localdate(),
                meal="lunch",
                dish="Cơm trắng",
                liquid=False,
                locked=True,
            )
        ]
    )
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "kitchen")
    page.wait_for_selector("[data-menu=sync]")
    wait_synced(page)
    page.select_option("[name=meal]", "lunch")
    page.fill("[name=dish]", "Cơm trắng")
    page.fill("[name=quantity]", "110")
    page.click("[data-action=save-sample]")
    page.wait_for_selector("li[data-sample] .chip.pending")
    wait_synced(page)  # the list is redrawn as the sample comes back: measure the last one
    chip, hold = page.evaluate(
        "(sels) => sels.map((s) => document.querySelector(s).getBoundingClientRect().height)",
        ["li[data-sample] .chip.pending", "li[data-sample] [data-action=hold]"],
    )
    # Beside the 52 px "hold" button the countdown stays one line high, not stretched.
    assert chip < 40 and hold >= 48, (chip, hold)
    no_sideways_scroll(page)
    assert page.errors == []
    context.close()


def test_an_empty_day_and_a_new_phone_tell_the_truth(asgi_server, ward, chromium):
    context, page = new_phone(chromium)
    # Nobody has logged in: nothing was synced, whatever the boot's call without a user did.
    page.goto(asgi_server.url + "/app/#/login")
    page.wait_for_selector("[name=username]")
    page.wait_for_timeout(500)
    page.wait_for_function("document.getElementById('syncbar').dataset.syncing === '0'")
    assert page.inner_text(".syncbar .last") == "Chưa đồng bộ"

    # The children's carer has no task today: once synced, the list says so, and does not
    # send her looking for a signal.
    login(page, asgi_server.url, "carer_children")
    wait_synced(page)
    page.wait_for_selector("[data-empty='home.none_today']")
    text = page.inner_text("#now")
    assert "Hôm nay khu của bạn không có việc nào." in text
    assert "Khi có mạng" not in text
    assert page.inner_text(".syncbar .last").startswith("Đồng bộ lần cuối lúc")

    # The first sync's progress: its words stay readable over the filled part of the bar.
    page.evaluate(
        "async () => { const s = await import('./js/sync.js'); const bar = await import('./js/ui/syncbar.js');"
        " s.status.first = { received: 1900 }; bar.render(document.getElementById('syncbar')); }"
    )
    ratio = page.evaluate(CONTRAST, [".progress span", ".progress .fill"])
    assert ratio >= 4.5, ratio

    # A user whose data never came down to this phone: the wait for the network is the reason.
    page.evaluate(
        "async () => { const s = await import('./js/session.js'); s.active().cursor = null; location.hash = '#/shift'; }"
    )
    page.wait_for_selector("#main h1:has-text('Ca trực')")
    page.click("#nav a[data-tab=home]")
    page.wait_for_selector("[data-empty='home.empty']")
    assert page.errors == []
    context.close()


def test_a_revoked_phone_says_what_it_could_not_send(asgi_server, ward, chromium):
    context, page = new_phone(chromium)
    queue_two_and_revoke(page, context, asgi_server.url, ward)

    # The bar does not say "nothing waiting" over two entries that will never leave by sync.
    assert page.inner_text(".syncbar .pending") == "Chưa gửi được: 2"
    # ...on one line with the rest of the bar, and the phone's last sync still told.
    assert box(page, ".syncbar .sync-now")["top"] < box(page, ".syncbar .last")["top"]
    assert page.inner_text(".syncbar .last").startswith("Đồng bộ lần cuối lúc")
    # The screen says "revoked" once, in the server's words; the bar does not cover it twice.
    assert page.locator(".syncbar .banner.bad").count() == 0
    assert box(page, "#main h1")["top"] < 200
    # On the login screen (a manager may have reinstated the phone) the bar says why.
    page.click("a[href='#/login']")
    page.wait_for_selector(".syncbar .banner.bad")
    no_sideways_scroll(page)
    assert page.errors == []
    context.close()


def test_an_entry_the_server_flagged_says_whose_it_was(asgi_server, ward, chromium):
    """Two carers record Hoa's lunch differently; the phone that sent second lists the conflict
    under the resident, room and meal, not only as "a task entry"."""
    meal = ward.meals[0]
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "carer")
    page.wait_for_selector(f"li[data-task='{meal.id}']")
    wait_synced(page)
    context.set_offline(True)
    page.click(f"li[data-task='{meal.id}'] [data-action=done]")
    wait_pending(page, 1)
    other = ApiClient()
    other.login("carer2")
    refused = {"outcome": "refused", "reason": "not_hungry", "details": {"portion": 0}}
    assert other.sync([event("task.complete", {"task_id": meal.id, **refused})]).status_code == 200
    context.set_offline(False)
    page.wait_for_selector("a.problems-link", timeout=20_000)
    page.click("a.problems-link")
    page.wait_for_selector("li[data-problem] [data-about]")
    assert (
        page.inner_text("li[data-problem] [data-about]")
        == "Trần Thị Hoa · Phòng A01 · Bữa trưa 11:00"
    )
    no_sideways_scroll(page)
    assert page.errors == []
    context.close()
