"""The nurse's medicine stock screens in real Chromium at 360×740: receive, count and adjust
offline, then online, and the server's ledger and levels agree with the phone; a carer never
sees them; a medication order shows its medicine's levels per funding source."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from server.meds.models import MedicationOrder
from server.stock.models import Medicine, StockLevel, StockMove
from sync.types import publish
from tests.browser.conftest import artifacts, login, new_phone, pending, wait_pending, wait_synced
from tests.stock_helpers import assert_ledger_adds_up, level_of, medicine, receive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _day(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


@pytest.fixture
def stock(ward, make_api):
    """Amlodipin held under two sources (health insurance: expires within the month;
    the centre's budget: below its minimum), a controlled drug held nowhere yet, and the
    ward's scheduled dose ordered from the insurance's Amlodipin. The levels are pushed
    by another nurse's phone, so they reach the test's phone as pulled changes."""
    para = medicine(ward.centre.facility, name="Amlodipin", strength="5mg", min_stock=10)
    halo = medicine(
        ward.centre.facility, name="Haloperidol", strength="1,5mg", controlled=True, min_stock=5
    )
    order = ward.med_task.order
    order.medicine, order.funding_source = para, "bhyt"
    order.save()
    publish([para, halo, order])
    other_phone = make_api()
    other_phone.login("nurse")
    sent = other_phone.sync(
        [
            receive(para, 40, source="bhyt", lot="A1", expiry=_day(20)),
            receive(para, 5, source="budget", lot="B1", expiry=_day(300)),
        ]
    )
    assert [r["status"] for r in sent.json()["results"]] == ["applied", "applied"]
    return {"para": para, "halo": halo}


def _synced_phone(chromium, url: str, role: str):
    """A phone logged in as `role`, its first sync done: the shift's tasks on screen."""
    context, page = new_phone(chromium)
    login(page, url, role)
    page.wait_for_selector("li[data-task]")
    wait_synced(page)
    return context, page


def _open_stock(page) -> None:
    """The stock list, the way a nurse reaches it: from the medication screen."""
    _open(page, "#/meds", "[data-action=open-stock]")
    page.click("[data-action=open-stock]")


def _open(page, route: str, ready: str) -> None:
    page.goto(page.url.split("#")[0] + route)
    page.wait_for_selector(ready)


def _fill_and_save(page, **fields) -> None:
    for name, value in fields.items():
        if name in {"source", "reason", "medicine"}:
            page.select_option(f"[data-stock-form] [name={name}]", value)
        elif name == "way":
            page.check(f"[data-stock-form] [name=way][value={value}]")
        else:
            page.fill(f"[data-stock-form] [name={name}]", value)
    page.click("[data-action=stock-save]")


def _refused_with(page, words: str) -> None:
    """A bad input is explained in Vietnamese on the form and nothing is queued."""
    before = pending(page)
    page.wait_for_function(
        "(w) => document.querySelector('[data-stock-form] .error')?.textContent.includes(w)",
        arg=words,
    )
    assert pending(page) == before


def _shot(page, name: str, *, bottom: str | None = None) -> None:
    """What the phone shows from the top; with `bottom`, a second one scrolled down to it."""
    page.evaluate(
        "document.querySelectorAll('.toast').forEach((el) => el.remove()); scrollTo(0, 0)"
    )
    page.screenshot(path=str(artifacts() / f"{name}-360x740.png"))
    if bottom:
        page.eval_on_selector(bottom, "(el) => el.scrollIntoView({ block: 'center' })")
        page.screenshot(path=str(artifacts() / f"{name}-end-360x740.png"))


def _phone_levels(page) -> dict[str, Decimal]:
    rows = page.query_selector_all("[data-stock] li[data-level]")
    return {
        r.get_attribute("data-level"): Decimal(
            r.query_selector("[data-qty]").get_attribute("data-qty")
        )
        for r in rows
    }


def test_a_nurse_receives_counts_and_adjusts_offline_and_the_server_agrees(
    asgi_server, ward, stock, chromium
):
    para = stock["para"]
    context, page = _synced_phone(chromium, asgi_server.url, "nurse")
    _open_stock(page)
    row = page.wait_for_selector(f"li[data-medicine='{para.id}']")
    assert {m.get_attribute("data-mark") for m in row.query_selector_all("[data-mark]")} == {
        "low",
        "near_expiry",
    }
    _shot(page, "stock-list")
    page.click(f"li[data-medicine='{para.id}'] button")
    page.wait_for_selector(f"[data-stock='{para.id}'] li[data-level=bhyt]")
    assert _phone_levels(page) == {"bhyt": 40, "budget": 5}
    _shot(page, "stock-medicine")

    context.set_offline(True)
    # Receive: a new source, refused first for what a tired hand types.
    page.click("[data-action=stock-receive]")
    page.wait_for_selector("[data-stock-form=receive]")
    _fill_and_save(page, source="donated", quantity="")
    _refused_with(page, "Hãy nhập số lượng.")
    _fill_and_save(page, quantity="-5")
    _refused_with(page, "Số lượng phải lớn hơn 0.")
    _fill_and_save(page, quantity="2000000")
    _refused_with(page, "Số lượng quá lớn")
    _fill_and_save(page, quantity="1.000")  # a thousand, or one?
    _refused_with(page, "Không rõ số này")
    _fill_and_save(page, quantity="2,3")
    _refused_with(page, "chỉ nhập số nguyên hoặc nửa")
    _fill_and_save(page, quantity="30", expiry=_day(-1))
    _refused_with(page, "Lô thuốc đã hết hạn")
    _fill_and_save(page, quantity="30", expiry=_day(366 * 11))
    _refused_with(page, "Hạn dùng quá 10 năm")
    page.fill("[data-stock-form] [name=expiry]", _day(200))
    page.fill("[data-stock-form] [name=lot]", "D9")
    _shot(page, "stock-receive", bottom="[data-action=stock-save]")
    page.click("[data-action=stock-save]")
    page.wait_for_selector(f"[data-stock='{para.id}'] li[data-level=donated]")
    wait_pending(page, 1)
    assert page.get_attribute("li[data-entry]", "data-state") == "pending"

    # Count the insurance's tablets: 38 where the book says 40.
    page.click("[data-action=stock-count]")
    page.wait_for_selector("[data-stock-form=count]")
    page.select_option("[data-stock-form] [name=source]", "bhyt")
    assert "40 viên" in page.inner_text("[data-book]")
    page.fill("[data-stock-form] [name=quantity]", "38")
    _shot(page, "stock-count", bottom="[data-action=stock-save]")
    page.click("[data-action=stock-save]")
    wait_pending(page, 2)

    # Adjust the budget's: 2 broken tablets (more than it holds is refused first).
    page.click("[data-action=stock-adjust]")
    page.wait_for_selector("[data-stock-form=adjust]")
    _fill_and_save(page, source="budget", way="down", quantity="2")
    _refused_with(page, "Hãy chọn lý do")
    _fill_and_save(page, reason="damaged", quantity="9")
    _refused_with(page, "Trong kho chỉ còn 5 viên")
    page.fill("[data-stock-form] [name=quantity]", "2")
    _shot(page, "stock-adjust", bottom="[data-action=stock-save]")
    page.click("[data-action=stock-save]")
    wait_pending(page, 3)
    page.wait_for_selector(f"[data-stock='{para.id}']")
    assert _phone_levels(page) == {"bhyt": 38, "budget": 3, "donated": 30}
    assert {e.get_attribute("data-state") for e in page.query_selector_all("li[data-entry]")} == {
        "pending"
    }
    _shot(page, "stock-medicine-queued", bottom="li[data-entry]:last-child")
    assert StockMove.objects.filter(medicine=para).count() == 2  # nothing reached the server

    context.set_offline(False)
    wait_synced(page)
    # Sent; the count's difference (the medicine allows none) is flagged for the manager.
    page.wait_for_function("!document.querySelector('li[data-entry][data-state=pending]')")
    states = {
        e.query_selector("b").inner_text().split(" · ")[0]: e.get_attribute("data-state")
        for e in page.query_selector_all("li[data-entry]")
    }
    assert states == {"Nhập kho": "done", "Kiểm kê": "conflict", "Điều chỉnh": "done"}
    assert "quản lý trực cần xem xét" in page.inner_text("li[data-entry][data-state=conflict]")
    assert (level_of(para, "bhyt"), level_of(para, "budget"), level_of(para, "donated")) == (
        38,
        3,
        30,
    )
    assert list(
        StockMove.objects.filter(medicine=para)
        .order_by("id")
        .values_list("kind", "funding_source", "quantity")
    )[2:] == [("receipt", "donated", 30), ("count", "bhyt", -2), ("adjustment", "budget", -2)]
    assert StockMove.objects.get(kind="adjustment").reason == "damaged"
    assert StockMove.objects.get(funding_source="donated").lot.lot == "D9"
    assert_ledger_adds_up()
    # Fetched again from the server, the phone shows the server's own levels.
    page.reload()
    page.wait_for_selector(f"[data-stock='{para.id}'] li[data-level=donated]")
    page.wait_for_timeout(500)
    server = {
        level.funding_source: level.quantity for level in StockLevel.objects.filter(medicine=para)
    }
    assert _phone_levels(page) == server
    # The donated level the phone made offline gave way to the server's own record.
    ids = [r.get_attribute("data-id") for r in page.query_selector_all("li[data-level]")]
    assert sorted(ids) == sorted(str(i) for i in StockLevel.objects.values_list("id", flat=True))
    _shot(page, "stock-medicine-synced", bottom="li[data-entry]:last-child")
    assert page.errors == []
    context.close()


def test_the_server_refusing_a_receipt_is_shown_in_vietnamese(asgi_server, ward, stock, chromium):
    para = stock["para"]
    context, page = _synced_phone(chromium, asgi_server.url, "nurse")
    # The catalogue changed on the server (counted in bottles now) after the phone pulled it.
    Medicine.objects.filter(pk=para.pk).update(unit="lọ")
    _open(page, f"#/stockin/{para.id}", "[data-stock-form=receive]")
    _fill_and_save(page, source="bhyt", quantity="10")
    wait_synced(page)
    entry = page.wait_for_selector("li[data-entry][data-state=late]")
    assert "Thuốc này tính theo «lọ»." in entry.inner_text()
    assert "Máy chủ từ chối" in entry.inner_text()
    assert level_of(para, "bhyt") == 40
    assert _phone_levels(page)["bhyt"] == 40  # the refused receipt is taken back
    _shot(page, "stock-refused", bottom="li[data-entry]")
    assert page.errors == []
    context.close()


def test_the_order_screen_shows_its_medicine_by_funding_source(asgi_server, ward, stock, chromium):
    context, page = _synced_phone(chromium, asgi_server.url, "nurse")
    _open(page, f"#/med/{ward.med_task.id}", "[data-stock] li[data-level=bhyt]")
    block = page.query_selector("[data-stock]")
    assert _phone_levels(page) == {"bhyt": 40, "budget": 5}
    insurance = block.query_selector("li[data-level=bhyt]")
    assert "nguồn của y lệnh này" in insurance.inner_text()
    assert insurance.query_selector("[data-mark=near_expiry]") is not None
    assert block.query_selector("li[data-level=budget] [data-mark=low]") is not None
    _shot(page, "stock-order", bottom="[data-stock]")
    # A controlled drug's count offers a witness from the centre's staff (not the nurse).
    _open(page, f"#/stockcount/{stock['halo'].id}", "[data-stock-form=count] [name=witness]")
    witnesses = page.eval_on_selector_all(
        "[name=witness] option", "(os) => os.map((o) => o.textContent)"
    )
    assert any("Người manager" in w for w in witnesses)
    assert not any("Người nurse" in w for w in witnesses)
    _shot(page, "stock-count-controlled")
    assert page.errors == []
    context.close()


@pytest.mark.parametrize("source", ["budget", "centre"])
def test_an_order_of_the_centres_budget_is_paid_from_the_budgets_stock(
    asgi_server, ward, stock, chromium, source
):
    """An order names the stock's own code ("budget"); one pulled before meds 0006 still says
    "centre" (stored here as the old code wrote it, past the field's choices) and the phone
    maps it to the same level."""
    order = ward.med_task.order
    MedicationOrder.objects.filter(id=order.id).update(
        funding_source=source, version=F("version") + 1
    )
    order.refresh_from_db()
    publish([order])
    context, page = _synced_phone(chromium, asgi_server.url, "nurse")
    _open(page, f"#/med/{ward.med_task.id}", "[data-stock] li[data-level=budget]")
    block = page.query_selector("[data-stock]")
    assert "nguồn của y lệnh này" in block.query_selector("li[data-level=budget]").inner_text()
    assert "nguồn của y lệnh này" not in block.query_selector("li[data-level=bhyt]").inner_text()
    assert page.errors == []
    context.close()


def test_a_carer_never_sees_the_stock(asgi_server, ward, stock, chromium):
    context, page = _synced_phone(chromium, asgi_server.url, "carer")
    _open(page, "#/meds", "li.task")
    assert page.query_selector("[data-action=open-stock]") is None
    _open(page, f"#/med/{ward.med_task.id}", "[data-action=give]")
    assert page.query_selector("[data-stock]") is None
    for route in ("#/stock", f"#/stock/{stock['para'].id}", "#/stockin"):
        _open(page, route, "[data-not-for-role]")
    assert page.errors == []
    context.close()


def test_a_nurse_prints_the_months_stock_report_and_register_from_the_stock_screen(
    asgi_server, ward, stock, chromium
):
    from tests.browser.test_papers_render import web_login

    context, page = _synced_phone(chromium, asgi_server.url, "nurse")
    _open_stock(page)
    # A locator, not a handle: the list is drawn again once the server's levels arrive.
    link = page.locator("a[data-link=stock-report]")
    month = timezone.localdate().strftime("%Y-%m")
    href = f"/reports/stock/{ward.centre.facility.code}/{month}/"
    assert link.get_attribute("href") == href
    assert link.get_attribute("target") == "_blank"
    with context.expect_page() as opened:
        link.click()
    paper = opened.value
    paper.wait_for_load_state()
    assert "/reports/login/" in paper.url  # the papers have their own (web) login
    web_login(paper, asgi_server.url, "nurse")
    assert paper.url.endswith(href)
    body = paper.locator("body").inner_text()
    assert stock["para"].name in body
    paper.screenshot(path=str(artifacts() / "stock-report-page.png"), full_page=True)
    context.close()


def test_a_dose_given_offline_takes_from_the_phones_level_as_the_server_does(
    asgi_server, ward, stock, chromium
):
    """The server does not send a phone the level its own dose moved: the phone takes the
    order's units itself, from the order's source, and the server agrees once it is online."""
    para, order = stock["para"], ward.med_task.order
    order.dose_units = Decimal("2")
    order.save()
    publish([order])
    context, page = _synced_phone(chromium, asgi_server.url, "nurse")
    levels = f"[data-stock='{para.id}'] li[data-level=bhyt]"
    _open(page, f"#/stock/{para.id}", levels)
    assert _phone_levels(page) == {"bhyt": 40, "budget": 5}

    context.set_offline(True)
    context.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    _open(page, f"#/med/{ward.med_task.id}", "[data-action=give]")
    page.click("[data-action=give]")
    page.wait_for_function("() => !location.hash.startsWith('#/med/')")  # recorded, and back
    _open(page, f"#/stock/{para.id}", levels)
    assert _phone_levels(page) == {"bhyt": 38, "budget": 5}  # the budget's 5 untouched
    _shot(page, "stock-after-dose")

    context.unroute("**/api/**")
    context.set_offline(False)
    wait_synced(page)
    assert level_of(para, "bhyt") == 38 and level_of(para, "budget") == 5
    _open(page, "#/home", "li[data-task]")
    _open(page, f"#/stock/{para.id}", levels)
    page.wait_for_timeout(3500)  # past the screen's fetch interval: the server's own numbers
    page.reload()
    page.wait_for_selector(levels)
    assert _phone_levels(page) == {"bhyt": 38, "budget": 5}
    assert page.errors == []
    context.close()
