"""The first-message auth shared by both sockets (server/live/consumers.py): /ws/v1/live still
answers `ready` and pokes after the refactor that gave the dashboard the same base class."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from server.live.routing import websocket_urlpatterns
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory
from tests.live.test_dashboard_socket import closed_with, token_for
from tests.personas import make_centre

pytestmark = pytest.mark.django_db(transaction=True)


async def test_it_pokes_a_live_socket_after_the_shared_auth(transactional_db, make_api):
    centre = await database_sync_to_async(make_centre)()
    task = await database_sync_to_async(TaskFactory)(
        resident=await database_sync_to_async(ResidentFactory)(area=centre.elderly), kind="custom"
    )
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/v1/live")
    assert (await comm.connect())[0]
    await comm.send_json_to(
        {"type": "auth", "token": await database_sync_to_async(token_for)("carer")}
    )
    ready = await comm.receive_json_from(timeout=3)
    assert ready["type"] == "ready" and ready["facilities"] == [str(centre.facility.id)]
    await comm.send_json_to({"type": "ping"})
    assert await comm.receive_json_from(timeout=3) == {"type": "pong"}
    other = make_api()
    await database_sync_to_async(other.login)("manager")
    await database_sync_to_async(other.sync)(
        [event("task.complete", {"task_id": task.id, "outcome": "done"})]
    )
    poke = await comm.receive_json_from(timeout=5)
    assert poke["type"] == "poke" and poke["facility"] == str(centre.facility.id)
    await comm.disconnect()


async def test_it_closes_a_live_socket_4401_for_a_message_that_is_not_auth(transactional_db):
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/v1/live")
    await comm.connect()
    await comm.send_json_to({"type": "ping"})
    assert await closed_with(comm) == 4401


@pytest.mark.parametrize(
    "frame",
    [
        {"text": "[1]"},
        {"text": '"x"'},
        {"text": "{not json"},
        {"text": "1"},
        {"text": "[" * 5000 + "]" * 5000},
        {"bytes": b"\x00\x01"},
    ],
    ids=["list", "string", "invalid", "number", "deep", "binary"],
)
@pytest.mark.parametrize("path", ["/ws/v1/live", "/ws/v1/dashboard?facility=x"])
async def test_it_closes_4401_for_a_first_frame_that_is_not_a_json_object(
    transactional_db, path, frame
):
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), path)
    assert (await comm.connect())[0]
    await comm.send_to(text_data=frame.get("text"), bytes_data=frame.get("bytes"))
    assert await closed_with(comm) == 4401


@pytest.mark.parametrize("frame", [{"text": "[1]"}, {"text": "{bad"}, {"bytes": b"x"}])
async def test_it_closes_4400_for_a_later_frame_that_is_not_a_json_object(transactional_db, frame):
    await database_sync_to_async(make_centre)()
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/v1/live")
    await comm.connect()
    await comm.send_json_to(
        {"type": "auth", "token": await database_sync_to_async(token_for)("carer")}
    )
    assert (await comm.receive_json_from(timeout=3))["type"] == "ready"
    await comm.send_to(text_data=frame.get("text"), bytes_data=frame.get("bytes"))
    assert await closed_with(comm) == 4400
