"""The dashboard page in real Chromium against a real uvicorn: a manager picks a past shift,
reads it under a clear banner and goes back to now, on a phone (360×740) and at a desk.
Screenshots go to test-artifacts/ (gitignored) for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live.test_dashboard_browser import CHROMIUM_ARGS
from tests.live.test_dashboard_past import yesterday  # noqa: F401  the shift to look back at

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.parametrize(
    ("label", "viewport"),
    [("360x740", {"width": 360, "height": 740}), ("1280x900", {"width": 1280, "height": 900})],
)
def test_a_manager_picks_yesterdays_day_shift_and_comes_back_to_now(
    yesterday,  # noqa: F811
    asgi_server,
    label,
    viewport,
):
    from playwright.sync_api import expect, sync_playwright

    centre, shift = yesterday
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport=viewport, timezone_id="Asia/Ho_Chi_Minh", locale="vi-VN"
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(asgi_server.url + "/dashboard/")
        page.fill("input[name=username]", "manager")
        page.fill("input[name=password]", "test-pass-123")
        page.click("#login button[type=submit]")
        expect(page.locator("#link")).to_have_attribute("data-state", "on", timeout=10_000)
        expect(page.locator("#history")).to_be_visible()
        expect(page.locator("#past")).to_be_hidden()
        page.screenshot(path=str(ARTIFACTS / f"dashboard-now-{label}.png"), full_page=True)

        page.fill("#view-date", shift.local_date().isoformat())
        page.select_option("#view-shift", "day")
        page.get_by_role("button", name="Xem", exact=True).click()
        banner = page.locator("#past")
        expect(banner).to_be_visible(timeout=5_000)
        expect(banner).to_contain_text("Ca trước — đang xem Ca ngày")
        expect(banner).to_contain_text(shift.local_date().strftime("%d/%m"))
        expect(page.locator("#doses")).to_contain_text("Amlodipin 5mg")
        expect(page.locator("#doses")).to_contain_text("quá hạn")
        expect(page.locator("#conflicts")).to_contain_text("Đã xử lý")
        expect(page.locator("#away")).to_contain_text("Bệnh viện tỉnh")
        expect(page.locator("#staffing")).to_contain_text("Người carer")
        expect(page.locator("#alarm")).to_be_hidden()  # a resolved double dose rings no more
        page.screenshot(path=str(ARTIFACTS / f"dashboard-past-{label}.png"), full_page=True)
        page.screenshot(path=str(ARTIFACTS / f"dashboard-past-top-{label}.png"))
        expect(page.locator("#staffing")).to_contain_text("Toàn trung tâm")
        # One word for a missed dose, as on the phone: "Quá hạn" / "Overdue". The server's
        # words follow: a new socket, in the new language, comes back to the same shift.
        page.click("#lang")
        expect(page.locator("#doses")).to_contain_text("overdue")
        expect(page.locator("#board")).not_to_contain_text("issed")
        expect(page.locator("#staffing")).to_contain_text("Whole centre", timeout=5_000)
        expect(banner).to_be_visible()
        page.click("#lang")
        expect(page.locator("#staffing")).to_contain_text("Toàn trung tâm", timeout=5_000)

        page.get_by_role("button", name="Về ca hiện tại").click()
        expect(banner).to_be_hidden(timeout=5_000)
        expect(page.locator("#doses")).not_to_contain_text("Amlodipin 5mg")
        page.get_by_role("button", name="◀ Ca trước").click()
        expect(banner).to_be_visible(timeout=5_000)
        assert errors == []
        browser.close()
