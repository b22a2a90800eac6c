"""ws /ws/v1/dashboard through Channels' WebsocketCommunicator, with pushes through the real
sync endpoint (so the after-commit hook and the channel layer are the production ones)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from server.accounts.tokens import token_issue
from server.live.routing import websocket_urlpatterns
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory
from tests.personas import make_centre

pytestmark = pytest.mark.django_db(transaction=True)


def application():
    from channels.routing import URLRouter

    return URLRouter(websocket_urlpatterns)


def token_for(username: str) -> str:
    raw, _ = token_issue(
        username=username,
        password="test-pass-123",
        device_id=uuid.uuid4(),
        device_name="thử",
        client="test",
    )
    return raw


@pytest.fixture
def world(transactional_db):
    centre = make_centre()
    resident = ResidentFactory(area=centre.elderly, full_name="Bà Tư")
    task = TaskFactory(resident=resident, kind="custom", title="Thay ga giường")
    return centre, task


async def open_dashboard(facility_id, token: str) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(application(), f"/ws/v1/dashboard?facility={facility_id}")
    connected, _ = await comm.connect()
    assert connected
    await comm.send_json_to({"type": "auth", "token": token})
    return comm


async def closed_with(comm: WebsocketCommunicator) -> int:
    message = await comm.receive_output(timeout=3)
    assert message["type"] == "websocket.close", message
    return message["code"]


async def test_it_sends_a_snapshot_then_a_delta_after_a_push(world, make_api):
    centre, task = world
    comm = await open_dashboard(
        centre.facility.id, await database_sync_to_async(token_for)("manager")
    )
    ready = await comm.receive_json_from(timeout=3)
    assert ready["type"] == "ready" and ready["facility"] == str(centre.facility.id)
    snapshot = await comm.receive_json_from(timeout=5)
    assert snapshot["type"] == "snapshot"
    key = f"{centre.elderly.id}|custom"
    tile = snapshot["sections"]["tiles"][key]
    assert (tile["total"], tile["pending"], tile["done"]) == (1, 1, 0)
    assert len(snapshot["sections"]["timeline"]) == 24

    carer = make_api()
    await database_sync_to_async(carer.login)("carer")
    response = await database_sync_to_async(carer.sync)(
        [event("task.complete", {"task_id": task.id, "outcome": "done"})]
    )
    assert response.json()["results"][0]["status"] == "applied", response.json()

    delta = await comm.receive_json_from(timeout=5)
    assert delta["type"] == "delta"
    assert delta["sections"]["tiles"]["set"][key]["done"] == 1
    assert delta["sections"]["tiles"]["set"][key]["pending"] == 0
    assert sum(s["done"] for s in delta["sections"]["timeline"]["set"].values()) == 1
    # The carer who acted is not on the rota: shown apart, not counted as on shift.
    staffing = delta["sections"]["staffing"]["set"][str(centre.elderly.id)]
    assert (staffing["carers"], staffing["off_rota"]) == ([], ["Người carer"])
    await comm.disconnect()


async def test_it_gives_a_reconnecting_dashboard_a_fresh_snapshot(world, make_api):
    centre, task = world
    token = await database_sync_to_async(token_for)("manager")
    first = await open_dashboard(centre.facility.id, token)
    await first.receive_json_from(timeout=3)
    await first.receive_json_from(timeout=5)
    await first.disconnect()
    carer = make_api()
    await database_sync_to_async(carer.login)("carer")
    await database_sync_to_async(carer.sync)(
        [event("task.complete", {"task_id": task.id, "outcome": "done"})]
    )

    again = await open_dashboard(centre.facility.id, token)
    await again.receive_json_from(timeout=3)
    snapshot = await again.receive_json_from(timeout=5)
    assert snapshot["sections"]["tiles"][f"{centre.elderly.id}|custom"]["done"] == 1
    # Asking for a snapshot on an open socket works too.
    await again.send_json_to({"type": "snapshot"})
    assert (await again.receive_json_from(timeout=5))["type"] == "snapshot"
    await again.disconnect()


@pytest.mark.parametrize("username", ["carer", "nurse", "kitchen", "outsider"])
async def test_it_closes_4403_for_anyone_but_this_facilitys_managers(world, username):
    centre, _ = world
    comm = await open_dashboard(
        centre.facility.id, await database_sync_to_async(token_for)(username)
    )
    assert await closed_with(comm) == 4403


async def test_it_closes_4403_without_a_valid_facility(world):
    comm = WebsocketCommunicator(application(), "/ws/v1/dashboard?facility=not-a-uuid")
    await comm.connect()
    await comm.send_json_to(
        {"type": "auth", "token": await database_sync_to_async(token_for)("manager")}
    )
    assert await closed_with(comm) == 4403


async def test_it_closes_4401_for_a_bad_token(world):
    centre, _ = world
    comm = await open_dashboard(centre.facility.id, "not-a-token")
    assert await closed_with(comm) == 4401


async def test_it_lets_the_other_facilitys_manager_see_only_their_own(world):
    centre, _ = world
    comm = await open_dashboard(
        centre.other_facility.id, await database_sync_to_async(token_for)("outsider")
    )
    assert (await comm.receive_json_from(timeout=3))["type"] == "ready"
    snapshot = await comm.receive_json_from(timeout=5)
    assert snapshot["sections"]["tiles"] == {}
    await comm.disconnect()


async def test_it_turns_a_task_late_on_the_clock_without_any_event(world, settings):
    centre, _ = world
    settings.DASHBOARD_TICK_SECONDS = 0.2
    soon = timezone.now() + timedelta(seconds=1)
    await database_sync_to_async(TaskFactory)(
        resident=await database_sync_to_async(ResidentFactory)(area=centre.children),
        kind="sun_exposure",
        due_at=soon - timedelta(seconds=2),
        window_end=soon,
    )
    comm = await open_dashboard(
        centre.facility.id, await database_sync_to_async(token_for)("manager")
    )
    await comm.receive_json_from(timeout=3)
    snapshot = await comm.receive_json_from(timeout=5)
    key = f"{centre.children.id}|sun_exposure"
    assert snapshot["sections"]["tiles"][key]["late"] == 0
    delta = await comm.receive_json_from(timeout=5)
    assert delta["sections"]["tiles"]["set"][key]["late"] == 1
    assert [item["kind"] for item in delta["sections"]["late"]["set"].values()] == ["sun_exposure"]
    await comm.disconnect()
