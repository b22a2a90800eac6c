"""The phone answers a 429 rate_limited by waiting Retry-After, whatever else asks it to
sync meanwhile, and keeps its queue; then the same event lands once."""

from __future__ import annotations

import json
import time

import pytest

from sync.models import EventLog
from tests.browser.conftest import login, new_phone, pending, wait_synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_waits_retry_after_and_keeps_its_queue(asgi_server, ward, chromium):
    context, page = new_phone(chromium, service_workers="block")
    login(page, asgi_server.url, "carer")
    task = ward.meals[0]
    page.wait_for_selector(f"li[data-task='{task.id}']")
    wait_synced(page)

    calls: list[tuple[float, bool]] = []  # (time, answered 429)

    def limit_first_push(route):
        body = json.loads(route.request.post_data or "{}")
        first_push = bool(body.get("events")) and not any(limited for _, limited in calls)
        calls.append((time.monotonic(), first_push))
        if first_push:
            route.fulfill(
                status=429,
                headers={"Retry-After": "4", "Content-Type": "application/json"},
                body=json.dumps({"code": "rate_limited", "message": "Chờ", "retry_after": 4}),
            )
            return
        route.fulfill(response=route.fetch())

    page.route("**/api/sync/v1", limit_first_push)
    page.click(f"li[data-task='{task.id}'] [data-action=done]")
    for _ in range(20):
        page.wait_for_timeout(100)
        if calls:
            break
    assert calls and calls[0][1], calls
    # Everything that usually starts a sync, during the wait: none may reach the server.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_timeout(1500)
    assert len(calls) == 1 and pending(page) == 1
    for _ in range(100):  # the retry comes by itself once Retry-After has passed
        page.wait_for_timeout(200)
        if pending(page) == 0:
            break
    assert pending(page) == 0
    assert calls[1][0] - calls[0][0] >= 3.9
    assert EventLog.objects.filter(name="task.complete", args__task_id=str(task.id)).count() == 1
    task.refresh_from_db()
    assert task.status == "done"
    assert page.errors == []
    page.unroute_all(behavior="ignoreErrors")
    context.close()
