"""CI smoke test of the production shape: deploy/local-stack (nginx → 2 uvicorn workers →
PostgreSQL + Redis, task worker), driven only through nginx, then stopped cleanly."""

from __future__ import annotations

import json
import os
import re
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
other = TaskFactory(resident=ResidentFactory(area=centre.elderly))
print(json.dumps({"facility": str(centre.facility.id), "task": str(task.id), "other": str(other.id)}))
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
    # Never a skip: CI on a fresh machine must run the production shape (./dev test installs
    # nginx, and so does this when it is run alone).
    assert nginx_ensure(), "nginx is missing and apt-get could not install it"
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


def test_it_serves_the_app_the_api_and_a_sync_call_through_nginx(stack):
    root = httpx.get(stack.url + "/")
    assert root.status_code == 302 and root.headers["location"] == "/app/"
    for shell in ("/app/", "/app/index.html"):
        page = httpx.get(stack.url + shell)
        assert page.status_code == 200, (shell, page.text[:300])
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-cache"
        assert '<script type="module"' in page.text
    worker = httpx.get(stack.url + "/app/sw.js")
    assert worker.status_code == 200
    assert worker.headers["cache-control"] == "no-cache"
    assert "__APP_VERSION__" not in worker.text  # rendered by Django, not the raw file
    manifest = httpx.get(stack.url + "/app/manifest.webmanifest")
    assert manifest.headers["content-type"] == "application/manifest+json"
    assert manifest.json()["start_url"] == "/app/"
    script = httpx.get(stack.url + "/app/js/app.js")
    assert script.status_code == 200 and "x-request-id" not in script.headers  # nginx's own
    assert script.headers["cache-control"] == "public, max-age=300"
    static = httpx.get(stack.url + "/static/admin/css/base.css")
    assert static.status_code == 200
    docs = httpx.get(stack.url + "/api/docs")
    assert docs.status_code == 200 and "openapi" in docs.text.lower()
    assert httpx.get(stack.url + "/app/.hidden.js").status_code == 404
    token, device = _login(stack, "carer")
    ev = event(
        "task.complete",
        {"task_id": stack.seeded["other"], "outcome": "done", "details": {"portion": 100}},
    )
    response = httpx.post(
        stack.url + "/api/sync/v1",
        headers={"Authorization": f"Bearer {token}"},
        json={"protocol": 1, "device_id": device, "cursor": None, "events": [ev]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["status"] == "applied"


def test_it_ignores_a_forged_x_forwarded_for_from_a_client(stack):
    """Each guess claims another address; the server still sees one client and throttles it."""
    username = f"ghost-{uuid.uuid4().hex[:8]}"
    statuses = []
    for n in range(1, 31):
        statuses.append(
            httpx.post(
                stack.url + "/api/auth/token",
                json={"username": username, "password": "wrong", "device_id": str(uuid.uuid4())},
                headers={"X-Forwarded-For": f"198.51.100.{n}", "X-Real-IP": f"203.0.113.{n}"},
            ).status_code
        )
        if statuses[-1] == 429:
            break
    # LOGIN_MAX_FAILURES (5 unless the stack's environment says otherwise) failures, then 429.
    assert statuses[-1] == 429, statuses
    assert set(statuses[:-1]) == {401}


def test_it_sums_every_processs_metrics_behind_nginx(stack):
    """Both web workers and the task worker write to one directory; /metrics adds them up."""
    token, device = _login(stack, "carer")
    for _ in range(6):  # least_conn spreads them over both workers
        response = httpx.post(
            stack.url + "/api/sync/v1",
            headers={"Authorization": f"Bearer {token}"},
            json={"protocol": 1, "device_id": device, "cursor": None, "events": []},
        )
        assert response.status_code == 200
    files = {p.name for p in (stack.state_dir / "metrics").iterdir()}
    assert len({name.rsplit("_", 1)[1] for name in files if name.startswith("counter_")}) >= 2
    text = httpx.get(stack.url + "/metrics").text
    calls = re.search(r'^catruc_sync_calls_total\{status="200"\} (\S+)$', text, re.M)
    assert calls and float(calls.group(1)) >= 6
    # The task worker runs every job once at start: its runs show up through the web workers.
    assert re.search(r'^catruc_job_last_run_timestamp_seconds\{job="[^"]+"\} \d', text, re.M)


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
