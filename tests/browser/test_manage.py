"""The duty manager on the phone: conflicts in plain words (names, local times, no ids or
field names), resolved offline with a note; the report and the dashboard one tap away."""

from __future__ import annotations

import re

import pytest

from sync.models import Conflict
from tests.browser.conftest import artifacts, contradict, login, new_phone, wait_synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-", re.I)


def test_a_manager_reads_and_resolves_a_conflict_in_plain_words(asgi_server, ward, chromium):
    meal = ward.meals[1]
    contradict(meal)
    conflict = Conflict.objects.get(kind="contradictory_outcome")

    context, page = new_phone(chromium)
    login(page, asgi_server.url, "manager")
    wait_synced(page)
    page.click("#nav a[data-tab=shift]")
    page.click("[data-link=manage]")
    row = f"li[data-conflict='{conflict.id}']"
    page.wait_for_selector(row)
    text = page.inner_text(row)
    assert "Lê Văn Nam" in text and "Hai người ghi khác nhau" in text
    assert "Ghi trước: Đã ăn 100%" in text
    assert "Ghi sau: Từ chối — Nguyễn Thị Hai (Không muốn ăn)" in text
    assert not UUID.search(text) and "proposed" not in text and "details" not in text
    assert page.get_attribute("[data-link=report]", "href").startswith(
        f"/reports/monthly/{ward.centre.facility.code}/"
    )
    assert page.get_attribute("[data-link=dashboard]", "href") == "/dashboard/"
    page.screenshot(path=str(artifacts() / "manage-conflicts-360x740.png"), full_page=True)

    context.set_offline(True)
    page.fill(f"{row} [name=note]", "Đã hỏi lại: ông Nam không ăn.")
    page.click(f"{row} [data-action=resolve]")
    page.wait_for_selector(row, state="detached")
    context.set_offline(False)
    wait_synced(page)
    conflict.refresh_from_db()
    assert (conflict.status, conflict.resolution_note) == (
        "resolved",
        "Đã hỏi lại: ông Nam không ăn.",
    )
    assert page.errors == []
    context.close()
