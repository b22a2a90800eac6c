"""CI smoke test of the production shape: deploy/local-stack (nginx → 2 uvicorn workers →
PostgreSQL + Redis, task worker), driven only through nginx, then stopped cleanly."""

from __future__ import annotations

import json
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from websockets.sync.client import connect

from tests.deploy.stack_process import LocalStack, database_drop, nginx_ensure
from tests.events import event

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SEED = """
import json
from tests.personas import make_centre
from tests.factories import ResidentFactory, TaskFactory
centre = make_centre()
task = TaskFactory(resident=ResidentFactory(area=centre.elderly))
print(json.dumps({"facility": str(centre.facility.id), "task": str(task.id)}))
"""


def _stack_database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return (
        f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}_stack"
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("the production shape needs Redis (set REDIS_URL)")
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL")
    if not nginx_ensure():
        pytest.skip("nginx is not installed and cannot be installed here (apt-get install nginx)")
    url = _stack_database_url()
    database_drop(url)
    running = LocalStack(
        database_url=url,
        state_dir=tmp_path_factory.mktemp("stack"),
        channel_prefix=f"catruc-smoke-{uuid.uuid4().hex[:8]}",
    ).start()
    running.seeded = json.loads(running.manage_python(SEED).strip().splitlines()[-1])
    yield running
    running.stop()
    database_drop(url)


def _login(stack: LocalStack, username: str) -> tuple[str, str]:
    device_id = str(uuid.uuid4())
    response = httpx.post(
        stack.url + "/api/auth/token",
        json={
            "username": username,
            "password": "test-pass-123",
            "device_id": device_id,
            "device_name": "thử",
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["server"].startswith("nginx")
    return response.json()["token"], device_id


@contextmanager
def _ws(stack: LocalStack, path: str, token: str):
    with connect(stack.url.replace("http://", "ws://") + path, open_timeout=10) as socket:
        socket.send(json.dumps({"type": "auth", "token": token}))
        ready = json.loads(socket.recv(timeout=10))
        assert ready["type"] == "ready", ready
        yield socket


def _first(socket, kind: str, timeout: float = 15) -> dict:
    while True:
        message = json.loads(socket.recv(timeout=timeout))
        if message["type"] == kind:
            return message


def test_it_serves_health_static_and_the_limit_through_nginx(stack):
    health = httpx.get(stack.url + "/healthz")
    assert health.status_code == 200
    assert health.json()["checks"] == {"database": "ok", "redis": "ok"}
    static = httpx.get(stack.url + "/static/admin/css/base.css")
    assert static.status_code == 200
    assert static.headers["cache-control"] == "public, max-age=3600"
    assert "x-request-id" not in static.headers  # served by nginx, not a worker
    too_big = httpx.post(
        stack.url + "/api/sync/v1",
        content=b"x" * (5 * 1024 * 1024 + 1),
        headers={"Content-Type": "application/json"},
    )
    assert too_big.status_code == 413
    assert too_big.json()["code"] == "body_too_large"


def test_it_pokes_another_phone_through_the_websocket_proxy(stack):
    carer_token, carer_device = _login(stack, "carer")
    manager_token, _ = _login(stack, "manager")
    with _ws(stack, "/ws/v1/live", manager_token) as live:
        ev = event(
            "task.complete",
            {"task_id": stack.seeded["task"], "outcome": "done", "details": {"portion": 100}},
        )
        response = httpx.post(
            stack.url + "/api/sync/v1",
            headers={"Authorization": f"Bearer {carer_token}"},
            json={"protocol": 1, "device_id": carer_device, "cursor": None, "events": [ev]},
        )
        assert response.status_code == 200, response.text
        assert response.json()["results"][0]["status"] == "applied"
        poke = _first(live, "poke")
        assert poke["facility"] == stack.seeded["facility"]
        assert poke["cursor"] >= 1


def test_it_sends_a_dashboard_delta_through_the_websocket_proxy(stack):
    carer_token, carer_device = _login(stack, "carer")
    manager_token, _ = _login(stack, "manager")
    task = (
        stack.manage_python(
            "from tests.factories import TaskFactory, ResidentFactory\nfrom server.care.models import Area\n"
            "print(TaskFactory(resident=ResidentFactory(area=Area.objects.get(code='elderly'))).id)"
        )
        .strip()
        .splitlines()[-1]
    )
    with _ws(stack, f"/ws/v1/dashboard?facility={stack.seeded['facility']}", manager_token) as dash:
        _first(dash, "snapshot")
        ev = event(
            "task.complete", {"task_id": task, "outcome": "done", "details": {"portion": 100}}
        )
        response = httpx.post(
            stack.url + "/api/sync/v1",
            headers={"Authorization": f"Bearer {carer_token}"},
            json={"protocol": 1, "device_id": carer_device, "cursor": None, "events": [ev]},
        )
        assert response.json()["results"][0]["status"] == "applied", response.text
        delta = _first(dash, "delta")
        assert delta["sections"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for every purpose but its exit status.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ", 1)[1].startswith("Z"))


def test_it_stops_everything_it_started(stack):
    started = stack.processes()
    names = sorted(p["name"].split(":")[0] for p in started)
    assert names == ["nginx", "web", "web", "worker"]
    nginx_pid = next(p["pid"] for p in started if p["name"] == "nginx")
    nginx_workers = [
        int(x) for x in Path(f"/proc/{nginx_pid}/task/{nginx_pid}/children").read_text().split()
    ]
    assert nginx_workers
    assert stack.stop() == 0
    for pid in [p["pid"] for p in started] + nginx_workers:
        assert not _alive(pid), f"pid {pid} still running"
    with pytest.raises(httpx.ConnectError):
        httpx.get(stack.url + "/healthz", timeout=2)
    assert not (stack.state_dir / "stack.pid").exists()
