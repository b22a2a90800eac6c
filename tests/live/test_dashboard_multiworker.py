"""Two uvicorn workers sharing PostgreSQL and Redis: a push on worker A reaches a dashboard
connected to worker B (docs/architecture.md, "Deployment shape")."""

from __future__ import annotations

import json
import os
import uuid

import httpx
import pytest
from websockets.sync.client import connect

from tests.events import event
from tests.factories import ResidentFactory, TaskFactory
from tests.personas import make_centre
from tests.servers import ServerProcess

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_workers(transactional_db):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL: the workers share their channel layer through Redis")
    # Same prefix for both workers (they must meet), unique to this run (others share Redis).
    env = {
        "REDIS_URL": os.environ["REDIS_URL"],
        "CHANNEL_PREFIX": f"{os.environ.get('CHANNEL_PREFIX', 'catruc')}-{uuid.uuid4().hex[:8]}",
    }
    workers = [ServerProcess(env=env), ServerProcess(env=env)]
    try:
        for worker in workers:
            worker.start()
        yield workers
    finally:
        for worker in workers:
            worker.stop()


def login(server: ServerProcess, username: str) -> tuple[httpx.Client, str, str]:
    client = httpx.Client(base_url=server.url, timeout=10)
    device_id = str(uuid.uuid4())
    body = client.post(
        "/api/auth/token",
        json={
            "username": username,
            "password": "test-pass-123",
            "device_id": device_id,
            "device_name": "thử",
        },
    ).json()
    client.headers["Authorization"] = f"Bearer {body['token']}"
    return client, device_id, body["token"]


def test_it_carries_a_push_on_worker_a_to_a_dashboard_on_worker_b(two_workers):
    a, b = two_workers
    centre = make_centre()
    task = TaskFactory(
        resident=ResidentFactory(area=centre.elderly), kind="custom", title="Thay ga giường"
    )
    _, _, manager_token = login(b, "manager")
    carer, carer_device, _ = login(a, "carer")
    key = f"{centre.elderly.id}|custom"

    with connect(
        f"{b.ws_url}/ws/v1/dashboard?facility={centre.facility.id}", open_timeout=5
    ) as socket:
        socket.send(json.dumps({"type": "auth", "token": manager_token}))
        assert json.loads(socket.recv(timeout=5))["type"] == "ready"
        snapshot = json.loads(socket.recv(timeout=10))
        assert snapshot["sections"]["tiles"][key]["done"] == 0

        response = carer.post(
            "/api/sync/v1",
            json={
                "protocol": 1,
                "device_id": carer_device,
                "cursor": None,
                "events": [event("task.complete", {"task_id": task.id, "outcome": "done"})],
            },
        )
        assert response.json()["results"][0]["status"] == "applied"

        delta = json.loads(socket.recv(timeout=5))
        assert delta["type"] == "delta"
        assert delta["sections"]["tiles"]["set"][key]["done"] == 1
