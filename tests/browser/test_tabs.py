"""Tabs by role: nobody sees a tab whose data would answer 403; sheets name their resident."""

from __future__ import annotations

import pytest

from tests.browser.conftest import artifacts, login, new_phone, wait_synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tabs(page) -> list[str]:
    page.wait_for_selector("#nav a")
    return [a.get_attribute("data-tab") for a in page.locator("#nav a").all()]


def test_each_role_sees_its_own_tabs(asgi_server, ward, chromium):
    seen = {}
    for username in ("carer", "kitchen", "nurse"):
        context, page = new_phone(chromium)
        login(page, asgi_server.url, username)
        wait_synced(page)
        seen[username] = tabs(page)
        if username == "carer":
            page.goto(page.url.split("#")[0] + "#/kitchen")
            page.wait_for_selector("[data-not-for-role=kitchen]")
        if username == "kitchen":
            assert page.url.endswith("#/kitchen")
            page.screenshot(path=str(artifacts() / "kitchen-tabs-360x740.png"))
        if username == "nurse":
            page.goto(page.url.split("#")[0] + f"#/med/{ward.med_task.id}")
            page.click("text=Kết quả khác…")
            assert page.inner_text(".sheet h2") == "Trần Thị Hoa · Kết quả khác…"
        assert page.errors == []
        context.close()
    assert "kitchen" not in seen["carer"] and "meds" in seen["carer"]
    assert "meds" not in seen["kitchen"] and seen["kitchen"][0] == "kitchen"
    assert {"home", "meds", "kitchen", "disinfect"} <= set(seen["nurse"])


def test_a_screen_that_loads_late_never_covers_the_one_tapped_after_it(asgi_server, ward, chromium):
    """A slow phone: the disinfection screen's module is still on its way when the carer taps
    the shift tab; when it arrives, the shift screen stays."""
    # No service worker: it would serve the module from its cache, where no route can hold it.
    context, page = new_phone(chromium, service_workers="block")
    login(page, asgi_server.url, "nurse")
    wait_synced(page)
    held: list = []
    page.route("**/js/ui/disinfect.js", lambda route: held.append(route))
    page.click("#nav a[data-tab=disinfect]")
    page.wait_for_function("location.hash === '#/disinfect'")
    while not held:
        page.wait_for_timeout(50)
    page.click("#nav a[data-tab=shift]")
    page.wait_for_selector("#main h1:has-text('Ca trực')")  # the shift screen drawn
    with page.expect_response("**/js/ui/disinfect.js"):
        held[0].continue_()
    page.evaluate("new Promise((done) => setTimeout(done, 500))")  # the module has run
    assert page.inner_text("#main h1") == "Ca trực"
    assert page.locator("[data-action=new-round]").count() == 0
    assert page.errors == []
    context.close()
