"""The phone's answers to the server's whole-call refusals and to live pokes, in real Chromium:
- 409 reset_required: the carer's areas change under the phone's cursor -> it pulls again
  from a null cursor, keeps its queue, and the queued entry still reaches the server;
- live poke: another device's sync makes this phone pull at once, with no timer tick.
(401 device_revoked is in test_revoked.py.)"""

from __future__ import annotations

import json
import time

import httpx
import pytest
from django.utils import timezone

from server.accounts.models import Membership
from sync.models import EventLog
from sync.types import publish
from tests.browser.conftest import login, new_phone, wait_pending, wait_synced
from tests.events import event
from tests.factories import PASSWORD, ResidentFactory, TaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def is_sync_call(response) -> bool:
    return response.url.endswith("/api/sync/v1") and response.request.method == "POST"


def record_sync_calls(page) -> list:
    """Every answered POST /api/sync/v1 of this page, in order (read them with `sync_call`).

    The listener only keeps the response: reading its body inside the listener is a round
    trip to the browser, during which the test's own wait may return before the call is
    counted."""
    calls: list = []

    def on_response(response):
        if is_sync_call(response):
            calls.append(response)

    page.on("response", on_response)
    return calls


def sync_call(response) -> dict:
    """A recorded sync call: status, error code, request body."""
    try:
        body = response.json()
    except Exception:  # noqa: BLE001 - a body is not needed to count the call
        body = {}
    return {
        "status": response.status,
        "code": body.get("code"),
        "request": json.loads(response.request.post_data or "{}"),
    }


@pytest.fixture
def child_meal(ward):
    """A lunch in the children's area (published before the browser starts, docs/architecture.md)."""
    child = ResidentFactory(area=ward.centre.children, full_name="Bé Tư", room="C01")
    meal = TaskFactory(
        resident=child, kind="meal", title="Bữa trưa", slot="11:00", due_at=timezone.now()
    )
    publish([child, meal])
    return meal


def test_it_pulls_again_from_null_after_a_scope_change_and_keeps_its_queue(
    asgi_server, ward, child_meal, chromium
):
    centre = ward.centre
    # Requests a service worker sees bypass page events; this test watches the network.
    context, page = new_phone(chromium, service_workers="block")
    responses = record_sync_calls(page)
    login(page, asgi_server.url, "carer")
    task = ward.meals[0]
    page.wait_for_selector(f"li[data-task='{task.id}']")
    wait_synced(page)
    assert page.query_selector(f"li[data-task='{child_meal.id}']") is None  # not my area (yet)

    context.set_offline(True)
    page.click(f"li[data-task='{task.id}'] [data-action=done]")
    wait_pending(page, 1)
    Membership.objects.get(user=centre.carer, facility=centre.facility).areas.add(centre.children)
    responses.clear()
    context.set_offline(False)

    page.wait_for_selector(
        f"li[data-task='{child_meal.id}']", timeout=20_000
    )  # re-pulled, new areas
    wait_synced(page)
    calls = [sync_call(r) for r in responses]
    refused = next(i for i, c in enumerate(calls) if c["status"] == 409)
    assert calls[refused]["code"] == "reset_required"
    assert calls[refused]["request"]["cursor"]
    queued = [e["id"] for e in calls[refused]["request"]["events"]]
    assert len(queued) == 1
    retry = calls[refused + 1]
    assert retry["status"] == 200
    assert retry["request"]["cursor"] is None
    assert [e["id"] for e in retry["request"]["events"]] == queued  # the queue survived the reset
    assert (
        EventLog.objects.filter(id=queued[0], name="task.complete", status="applied").count() == 1
    )
    task.refresh_from_db()
    assert task.status == "done"
    assert page.get_attribute(f"li[data-task='{task.id}']", "data-status") == "done"
    assert page.errors == []
    context.close()


def other_device_completes(base_url: str, task) -> dict:
    """carer2's own phone completes the task, over plain HTTP; returns the sync answer."""
    with httpx.Client(base_url=base_url) as http:
        device = "0f8e1a52-2d55-4c1a-9d6a-3b7c5e9f1a20"
        token = http.post(
            "/api/auth/token",
            json={"username": "carer2", "password": PASSWORD, "device_id": device},
        ).json()["token"]
        return http.post(
            "/api/sync/v1",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "protocol": 1,
                "device_id": device,
                "cursor": None,
                "events": [
                    event(
                        "task.complete",
                        {"task_id": task.id, "outcome": "done", "details": {"portion": 100}},
                    )
                ],
            },
        ).json()


def test_it_pulls_at_once_when_another_device_syncs_a_change_in_its_area(
    asgi_server, ward, chromium
):
    context, page = new_phone(chromium, service_workers="block")
    calls = record_sync_calls(page)
    login(page, asgi_server.url, "carer")
    task = ward.meals[1]
    page.wait_for_selector(f"li[data-task='{task.id}']")
    wait_synced(page)
    page.wait_for_function("document.documentElement.dataset.live === '1'", timeout=10_000)
    assert page.get_attribute(f"li[data-task='{task.id}']", "data-status") != "done"
    before = len(calls)

    # The pull is awaited as the response event it is: the row can turn "done" before
    # Playwright has delivered that event, so counting `calls` right after the row raced it.
    with page.expect_response(is_sync_call, timeout=10_000) as pulled:
        answer = other_device_completes(asgi_server.url, task)
        sent = time.monotonic()
        # The phone's timer ticks once a minute; only the poke can bring this within ~2 s.
        page.wait_for_selector(f"li[data-task='{task.id}'][data-status=done]", timeout=2_500)
        assert time.monotonic() - sent < 2.5
    assert answer["results"][0]["status"] == "applied"
    assert pulled.value.status == 200
    assert len(calls) > before  # it pulled (a poke carries no data)
    assert page.errors == []
    context.close()
