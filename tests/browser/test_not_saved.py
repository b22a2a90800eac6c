"""An act the phone could not store (its storage full) is said at once and never shown as done:
the carer is told it was NOT saved, the screen keeps what was typed, and the same act saved
again once there is room reaches the server once."""

from __future__ import annotations

import pytest

from server.care.models import Note
from sync.models import EventLog
from tests.browser.conftest import artifacts, pending, phone_ready, wait_synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The outbox store refuses writes as a full disk makes IndexedDB do.
FULL = """() => {
  window.realPut = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (...args) {
    if (this.name === 'outbox') throw new DOMException('disk full', 'QuotaExceededError');
    return window.realPut.apply(this, args);
  };
}"""
ROOM = "() => { IDBObjectStore.prototype.put = window.realPut; }"


def test_a_tick_the_phone_cannot_store_is_said_not_saved_and_can_be_made_again(
    asgi_server, ward, chromium
):
    context, page = phone_ready(chromium, asgi_server.url, ward)
    meal = f"li[data-task='{ward.meals[0].id}']"

    page.evaluate(FULL)
    page.click(f"{meal} [data-action=done]")
    page.wait_for_selector("[data-not-saved=full]")
    assert "mục này CHƯA được lưu" in page.inner_text(".sheet")
    page.screenshot(path=str(artifacts() / "not-saved-full.png"))
    assert page.get_attribute(meal, "data-status") != "done"
    assert pending(page) == 0
    page.click("[data-action=not-saved-ok]")
    assert page.query_selector(".sheet") is None

    page.evaluate(ROOM)
    page.click(f"{meal} [data-action=done]")
    page.wait_for_selector(f"{meal}[data-status=done]")
    wait_synced(page)
    assert list(EventLog.objects.values_list("name", "status")) == [("task.complete", "applied")]
    assert page.errors == []
    context.close()


def test_a_note_the_phone_cannot_store_keeps_its_text_on_screen(asgi_server, ward, chromium):
    context, page = phone_ready(chromium, asgi_server.url, ward)
    page.goto(asgi_server.url + "/app/#/shift")
    text = "Bà Hoa ho nhiều về đêm, đã cho uống nước ấm"
    page.fill("[data-form=note] [name=text]", text)

    page.evaluate(FULL)
    page.click("[data-action=save-note]")
    page.wait_for_selector("[data-not-saved=full]")
    page.click("[data-action=not-saved-ok]")
    assert page.input_value("[data-form=note] [name=text]") == text

    page.evaluate(ROOM)
    page.click("[data-action=save-note]")
    wait_synced(page)
    assert list(Note.objects.values_list("text", flat=True)) == [text]
    assert page.errors == []
    context.close()
