"""The embedded default, started as `./dev run` starts it: a SQLite file, the in-memory channel
layer, the migrations, the demo data and the periodic jobs once, then uvicorn. Over real HTTP a
carer completes a task and a nurse gives a dose; both are applied, another phone pulls them,
and the same events sent again answer `duplicate`.

CI runs the suite on PostgreSQL and Redis, which the rest of the suite's servers share; this
server never does: it gets its own SQLite file and no DATABASE_URL or REDIS_URL, whatever the
suite was given (a push that failed only on SQLite once went through every CI run)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploy.web_process import web_start
from tests.events import event

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "demo1234"  # settings.DEMO_PASSWORD's default, printed by seed_demo
# What the suite may have set that would take the server off its embedded default.
NOT_EMBEDDED = ("DATABASE_URL", "REDIS_URL", "CHANNEL_PREFIX", "DJANGO_SETTINGS_MODULE")


def _embedded_env(state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NOT_EMBEDDED and k != "DEBUG"}
    return {**env, "SQLITE_PATH": str(state / "catruc.sqlite3"), "LOG_LEVEL": "WARNING"}


def _manage(env: dict[str, str], *argv: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a server set up exactly as `./dev run` sets it up (`dev`, `run`)."""
    state = tmp_path_factory.mktemp("embedded")
    env = _embedded_env(state)
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "seed_demo")
    _manage(env, "run_jobs", "--once")
    proc, port = web_start(env, log=state / "uvicorn.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Phone:
    """One device over HTTP: its token, its cursor and every change it has pulled."""

    def __init__(self, url: str, username: str) -> None:
        self.url = url
        self.device_id = str(uuid.uuid4())
        self.seq = 0
        self.cursor: str | None = None
        self.held: dict[tuple[str, str], dict] = {}
        answer = httpx.post(
            f"{url}/api/auth/token",
            json={
                "username": username,
                "password": DEMO_PASSWORD,
                "device_id": self.device_id,
                "device_name": "thử",
            },
        )
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["token"]

    def event(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        self.seq += 1
        return event(name, args, seq=self.seq)

    def sync(self, events: list[dict] | None = None) -> list[dict]:
        """Push `events`, then pull page by page until nothing more; the push's results."""
        results: list[dict] = []
        pulled: list[dict] = []
        batch = events or []
        while True:
            answer = httpx.post(
                f"{self.url}/api/sync/v1",
                json={
                    "protocol": 1,
                    "device_id": self.device_id,
                    "cursor": self.cursor,
                    "events": batch,
                },
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=60,
            )
            assert answer.status_code == 200, answer.text
            body = answer.json()
            results += body.get("results", [])
            pulled += body.get("changes", [])
            self.cursor, batch = body["cursor"], []
            if not body.get("more"):
                break
        for change in pulled:
            self.held[(change["type"], change["id"])] = change
        self.last_pulled = pulled
        return results

    def pulled(self, kind: str, row_id: str) -> dict | None:
        return next((c for c in self.last_pulled if (c["type"], c["id"]) == (kind, row_id)), None)


def _once_and_again(phone: Phone, event: dict) -> dict:
    """Push the event, then the same event again: the first result (the second must say
    duplicate, with the first's status)."""
    (first,) = phone.sync([event])
    (again,) = phone.sync([event])
    assert again["status"] == "duplicate", again
    assert again.get("original_status") == first["status"]
    return first


def test_a_carers_completion_is_applied_pulled_and_answered_duplicate(embedded):
    carer, other = Phone(embedded, "carer.bl1"), Phone(embedded, "carer.bl1")
    carer.sync()
    other.sync()
    tasks = [
        dict(t, id=task_id)
        for (kind, task_id), change in carer.held.items()
        if kind == "task" and change["op"] == "upsert"
        for t in [change["data"]]
        if t["kind"] in ("meal", "custom") and t["status"] in ("pending", "missed")
    ]
    assert tasks, "the demo data gives carer.bl1 no open meal or custom task"
    now = datetime.now(UTC)
    task = min(tasks, key=lambda t: abs(datetime.fromisoformat(t["due_at"]) - now))

    done = carer.event("task.complete", {"task_id": task["id"], "outcome": "done"})
    assert _once_and_again(carer, done)["status"] == "applied"

    other.sync()
    seen = other.pulled("task", task["id"])
    assert seen is not None, "the other phone did not pull the completed task"
    assert seen["data"]["status"] == "done"
    assert seen["data"]["done_at"] is not None


def test_a_nurses_dose_is_applied_pulled_and_answered_duplicate(embedded):
    nurse, manager = Phone(embedded, "nurse.bl"), Phone(embedded, "manager.bl")
    nurse.sync()
    manager.sync()
    present = {
        rid
        for (kind, rid), change in nurse.held.items()
        if kind == "resident" and change["data"].get("status") == "present"
    }
    orders = [
        (order_id, change["data"])
        for (kind, order_id), change in nurse.held.items()
        if kind == "med_order"
        and change["data"]["prn"]
        and change["data"]["active"]
        and not change["data"]["controlled"]
        and change["data"]["resident_id"] in present
    ]
    assert orders, "the demo data gives nurse.bl no PRN order of a present resident"
    order_id, order = orders[0]

    administration_id = str(uuid.uuid4())
    dose = nurse.event(
        "med.administer",
        {
            "administration_id": administration_id,
            "order_id": order_id,
            "prn": True,
            "outcome": "given",
            "dose": order["dose"],
            "reason": "sốt",
        },
    )
    assert _once_and_again(nurse, dose)["status"] == "applied"

    manager.sync()
    seen = manager.pulled("med_administration", administration_id)
    assert seen is not None, "the manager's phone did not pull the dose"
    assert (seen["data"]["order_id"], seen["data"]["outcome"]) == (order_id, "given")
