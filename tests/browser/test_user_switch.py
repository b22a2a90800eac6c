"""A shared phone: switching user with events queued loses nothing; each keeps its author."""

from __future__ import annotations

import pytest

from sync.models import EventLog
from tests.browser.conftest import login, new_phone, unlock, wait_pending, wait_synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def switch_to(page, username: str) -> None:
    page.click("[data-action=switch-user]")
    unlock(page, username)


def test_it_keeps_every_queued_event_and_its_author_across_user_switches(
    asgi_server, ward, chromium
):
    carer, carer2 = ward.centre.carer, ward.carer2
    first, second, third = ward.meals
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "carer")
    page.wait_for_selector(f"li[data-task='{first.id}']")
    page.click("[data-action=switch-user]")
    page.click("a[href='#/login']")
    login(page, asgi_server.url, "carer2")
    page.wait_for_selector(f"li[data-task='{first.id}']")
    wait_synced(page)

    context.set_offline(True)
    page.click(f"li[data-task='{first.id}'] [data-action=done]")  # carer2
    switch_to(page, "carer")  # the PIN works with no network
    page.wait_for_selector(f"li[data-task='{second.id}'] [data-action=done]")
    page.click(f"li[data-task='{second.id}'] [data-action=done]")  # carer
    switch_to(page, "carer2")
    page.wait_for_selector(f"li[data-task='{third.id}'] [data-action=done]")
    page.click(f"li[data-task='{third.id}'] [data-action=done]")  # carer2
    wait_pending(page, 3)

    page.click("[data-action=switch-user]")
    assert "2 mục chờ gửi" in page.inner_text("button.user[data-user='carer2']")
    assert "1 mục chờ gửi" in page.inner_text("button.user[data-user='carer']")
    unlock(page, "carer")
    context.set_offline(False)
    wait_synced(page)

    authors = {e.args["task_id"]: e.user_id for e in EventLog.objects.filter(name="task.complete")}
    assert authors == {str(first.id): carer2.id, str(second.id): carer.id, str(third.id): carer2.id}
    for task, who in [(first, carer2), (second, carer), (third, carer2)]:
        task.refresh_from_db()
        assert (task.status, task.done_by_id) == ("done", who.id)
    assert page.errors == []
    context.close()
