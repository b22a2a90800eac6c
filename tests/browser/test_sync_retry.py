"""A sync response lost after the server committed: the retry is a `duplicate`, one record."""

from __future__ import annotations

import json

import pytest

from sync.models import EventLog
from tests.browser.conftest import login, new_phone, pending, wait_synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_retries_a_lost_response_with_the_same_ids_and_stores_one_record(
    asgi_server, ward, chromium
):
    # Requests a service worker sees bypass page.route; this test is about the network only.
    context, page = new_phone(chromium, service_workers="block")
    login(page, asgi_server.url, "carer")
    task = ward.meals[0]
    page.wait_for_selector(f"li[data-task='{task.id}']")
    wait_synced(page)

    calls: list[dict] = []

    def lose_first_answer(route):
        body = json.loads(route.request.post_data or "{}")
        response = route.fetch()  # the server decides and commits
        if body.get("events") and not any(c["events"] for c in calls):
            calls.append({"events": body["events"], "lost": True})
            route.abort("connectionreset")  # ... and the phone never hears back
            return
        calls.append(
            {"events": body.get("events", []), "results": response.json().get("results", [])}
        )
        route.fulfill(response=response)

    page.route("**/api/sync/v1", lose_first_answer)
    page.click(f"li[data-task='{task.id}'] [data-action=done]")
    sent: list[dict] = []
    for _ in range(150):  # the phone retries on its own (backoff 2 s); up to 30 s
        page.wait_for_timeout(200)
        sent = [c for c in calls if c["events"]]
        if len(sent) >= 2 and pending(page) == 0:
            break
    assert len(sent) == 2, sent
    first, retry = sent
    assert [e["id"] for e in first["events"]] == [e["id"] for e in retry["events"]]
    assert first["events"] == retry["events"]  # byte for byte the same intent
    assert retry["results"][0]["status"] == "duplicate"
    assert retry["results"][0]["original_status"] == "applied"

    event_id = first["events"][0]["id"]
    assert EventLog.objects.filter(id=event_id).count() == 1
    assert EventLog.objects.filter(name="task.complete", args__task_id=str(task.id)).count() == 1
    task.refresh_from_db()
    assert task.status == "done"
    assert page.errors == []
    page.unroute_all(behavior="ignoreErrors")
    context.close()
