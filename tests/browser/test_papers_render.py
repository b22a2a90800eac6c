"""The papers as a person sees them: a manager logs in on the web, opens the monthly report,
the QĐ 1246 forms and the sample labels, and Chromium prints each at A4 into
test-artifacts/ (PDF and a picture) for someone to look at; a carer gets the refusal page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import artifacts
from tests.factories import PASSWORD
from tests.papers import november  # noqa: F401  (the fixture month)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def web_login(page, url: str, username: str) -> None:
    page.fill("[name=username]", username)
    page.fill("[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def keep(page, name: str, *, landscape: bool = False) -> None:
    out = artifacts()
    page.emulate_media(media="print")
    page.pdf(path=str(out / f"{name}.pdf"), format="A4", landscape=landscape, print_background=True)
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    page.emulate_media(media="screen")


def test_a_manager_prints_the_papers_at_a4(asgi_server, chromium, november):  # noqa: F811
    context = chromium.new_context(viewport={"width": 794, "height": 1123}, locale="vi-VN")
    page = context.new_page()
    code = november.facility.code
    page.goto(f"{asgi_server.url}/reports/monthly/{code}/2026-11/")
    assert "/reports/login/" in page.url
    assert page.locator("h1").inner_text() == "Ca Trực — đăng nhập Ban Giám đốc"
    page.screenshot(path=str(artifacts() / "papers-login.png"))
    web_login(page, asgi_server.url, "manager")
    assert page.url.endswith(f"/reports/monthly/{code}/2026-11/")
    body = page.locator("body").inner_text()
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in body
    assert "Tổng số đối tượng hiện tại của Trung tâm là 05 đối tượng" in body
    keep(page, "papers-monthly-2026-11")

    page.fill("[name=activities]", "Tổ chức họp đối tượng định kỳ tháng 11.")
    page.click("button:text('Lưu')")
    page.wait_for_load_state()
    assert "Tổ chức họp đối tượng định kỳ tháng 11." in page.locator("body").inner_text()

    page.goto(f"{asgi_server.url}/reports/food-safety/{code}/2026-11-03/")
    assert "KIỂM TRA TRƯỚC KHI ĂN (Bước 3)" in page.locator("body").inner_text()
    keep(page, "papers-food-safety-2026-11-03", landscape=True)
    page.click("text=In nhãn mẫu lưu (Mẫu số 4)")
    page.wait_for_load_state()
    assert page.locator(".label").count() == 2
    keep(page, "papers-sample-labels-2026-11-03")

    page.goto(f"{asgi_server.url}/reports/")
    assert page.locator(f"a[href='/reports/monthly/{code}/2026-11/']").count() in (0, 1)
    page.screenshot(path=str(artifacts() / "papers-index.png"), full_page=True)
    page.fill("input[type=month]", "2026-11")
    page.click("form[action$='/monthly/'] button")
    page.wait_for_load_state()
    assert page.url.endswith(f"/reports/monthly/{code}/2026-11/")
    context.close()

    carer = chromium.new_context(locale="vi-VN").new_page()
    carer.goto(f"{asgi_server.url}/reports/monthly/{code}/2026-11/")
    web_login(carer, asgi_server.url, "carer")
    assert "Không có quyền xem giấy tờ này" in carer.locator("body").inner_text()
    carer.screenshot(path=str(artifacts() / "papers-refused.png"))
