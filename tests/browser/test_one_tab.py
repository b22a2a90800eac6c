"""One page of the app at a time owns the phone's data (mobile_client/js/one_tab.js): a second
page opened beside the first records nothing until it takes over, the page it takes over from
stops recording and sending, and no two acts of the phone share a device_seq
(docs/protocol.md §3)."""

from __future__ import annotations

import pytest

from sync.models import EventLog
from tests.browser.conftest import artifacts, phone_ready, wait_synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page(context):
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def test_a_second_page_waits_then_takes_over_and_the_first_stops(asgi_server, ward, chromium):
    context, first = phone_ready(chromium, asgi_server.url, ward)

    # The same app in another tab of the same phone: it shows why it is idle, nothing else.
    second = _page(context)
    second.goto(asgi_server.url + "/app/")
    second.wait_for_selector("[data-elsewhere=open]")
    assert "Ca Trực đang mở ở nơi khác" in second.inner_text("main")
    assert "Ứng dụng đang mở ở một thẻ hoặc cửa sổ khác trên máy này." in second.inner_text("main")
    assert second.query_selector("li[data-task]") is None
    assert second.query_selector("#nav a") is None
    second.screenshot(path=str(artifacts() / "one-tab-open-elsewhere.png"))

    # The first page goes on recording and sending meanwhile.
    first.click(f"li[data-task='{ward.meals[0].id}'] [data-action=done]")
    wait_synced(first)

    second.click("[data-action=take-over]")
    first.wait_for_selector("[data-elsewhere=taken]")
    assert "Trang này đã dừng ghi và dừng gửi." in first.inner_text("main")
    assert first.query_selector("li[data-task]") is None
    first.screenshot(path=str(artifacts() / "one-tab-taken-over.png"))

    # The second page starts afresh from the phone's storage: it knows the first page's act
    # and numbers its own after it.
    second.wait_for_selector(f"li[data-task='{ward.meals[0].id}'][data-status=done]")
    second.click(f"li[data-task='{ward.meals[1].id}'] [data-action=done]")
    wait_synced(second)
    seqs = sorted(
        EventLog.objects.filter(name="task.complete").values_list("device_seq", flat=True)
    )
    assert len(seqs) == 2 and seqs[0] < seqs[1], seqs
    assert set(EventLog.objects.filter(name="task.complete").values_list("status", flat=True)) == {
        "applied"
    }

    # The page that was taken over sends nothing, whatever wakes its sync.
    calls = []
    first.on("request", lambda r: calls.append(r.url) if "/api/sync/" in r.url else None)
    first.evaluate("window.dispatchEvent(new Event('online'))")
    first.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    first.wait_for_timeout(1500)
    assert calls == []
    assert first.inner_text("#syncbar").strip() == ""
    assert first.query_selector("[data-elsewhere=taken]") is not None
    assert first.errors == [] and second.errors == []
    context.close()


def test_a_waiting_page_starts_by_itself_when_the_page_that_owns_the_data_closes(
    asgi_server, ward, chromium
):
    context, first = phone_ready(chromium, asgi_server.url, ward)
    second = _page(context)
    second.goto(asgi_server.url + "/app/")
    second.wait_for_selector("[data-elsewhere=open]")
    first.close()
    second.wait_for_selector(f"li[data-task='{ward.meals[0].id}']")
    second.click(f"li[data-task='{ward.meals[0].id}'] [data-action=done]")
    wait_synced(second)
    assert EventLog.objects.get(name="task.complete").status == "applied"
    assert second.errors == []
    context.close()
