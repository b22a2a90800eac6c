"""/metrics (server/observability.py; the requests are counted in server/middleware.py): each
metric moves when the real thing happens (a sync call, a throttled login, a socket, a job run),
read back through GET /metrics; and only the machine's own monitoring may read it. Sentry
stays unimported without SENTRY_DSN."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from server.asgi import application
from server.care.jobs import all_jobs
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory
from tests.live.test_dashboard_socket import token_for

ROOT = Path(__file__).resolve().parents[2]


def scrape(**extra) -> dict[tuple[str, tuple], float]:
    """Every sample of GET /metrics as {(name, sorted labels): value}."""
    response = Client().get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.content.decode())
        for s in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_it_counts_sync_calls_events_by_status_and_their_duration(centre, api):
    task = TaskFactory(resident=ResidentFactory(area=centre.elderly), kind="custom")
    api.login("carer")
    before = scrape()
    response = api.sync(
        [
            event("task.complete", {"task_id": task.id, "outcome": "done"}),
            event("no.such_event", {}),
        ]
    )
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses == ["applied", "rejected"]
    api.post("/api/sync/v1", b"{not json")
    after = scrape()

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("catruc_sync_calls_total", status="200") == 1
    assert delta("catruc_sync_calls_total", status="400") == 1
    assert delta("catruc_sync_events_total", status="applied") == 1
    assert delta("catruc_sync_events_total", status="rejected") == 1
    assert delta("catruc_sync_call_duration_seconds_count") == 2
    assert delta("catruc_sync_call_duration_seconds_sum") > 0
    # Every request by its route pattern: ids never become labels.
    assert delta("catruc_http_requests_total", route="/api/sync/v1", status="200") == 1
    assert delta("catruc_http_request_duration_seconds_count", route="/api/auth/token") == 0
    assert not any("task_id" in str(key) or str(task.id) in str(key) for key in after)


def test_it_counts_the_login_throttles_refusals(centre, api, settings):
    settings.LOGIN_MAX_FAILURES = 2
    peer = f"203.0.113.{uuid.uuid4().int % 250}"
    before = value(scrape(), "catruc_login_throttled_total")
    statuses = [
        api.post(
            "/api/auth/token",
            {"username": f"ghost-{peer}", "password": "wrong", "device_id": api.device_id},
            REMOTE_ADDR=peer,
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 429, 429]
    assert value(scrape(), "catruc_login_throttled_total") - before == 2


def test_it_records_each_jobs_last_run_and_duration(db):
    started = time.time()
    call_command("run_jobs", "--once", stdout=open(os.devnull, "w"))  # noqa: SIM115
    samples = scrape()
    jobs = [job.name for job in all_jobs()]
    assert jobs
    for job in jobs:
        assert value(samples, "catruc_job_last_run_timestamp_seconds", job=job) >= started - 1
        assert value(samples, "catruc_job_duration_seconds_count", job=job) >= 1
        assert value(samples, "catruc_job_runs_total", job=job, status="ok") >= 1


@pytest.mark.django_db(transaction=True)
async def test_it_counts_open_websockets_from_accept_to_close(transactional_db):
    from tests.personas import make_centre

    await database_sync_to_async(make_centre)()

    async def open_now():
        return value(
            await database_sync_to_async(scrape)(), "catruc_open_websockets", path="/ws/v1/live"
        )

    before = await open_now()
    comm = WebsocketCommunicator(application, "/ws/v1/live")
    assert (await comm.connect())[0]
    await comm.send_json_to(
        {"type": "auth", "token": await database_sync_to_async(token_for)("carer")}
    )
    assert (await comm.receive_json_from(timeout=3))["type"] == "ready"
    assert await open_now() == before + 1
    await comm.disconnect()
    assert await open_now() == before


def test_it_answers_only_the_machines_own_monitoring(db, settings):
    outsider = {"REMOTE_ADDR": "198.51.100.7"}
    assert Client().get("/metrics", **outsider).status_code == 404
    assert Client().post("/metrics").status_code == 404
    settings.METRICS_TOKEN = "scrape-" + uuid.uuid4().hex
    wrong = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer nope", **outsider)
    assert wrong.status_code == 404
    right = Client().get(
        "/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}", **outsider
    )
    assert right.status_code == 200 and b"catruc_sync_calls" in right.content
    settings.TRUSTED_PROXIES = frozenset({"198.51.100.7"})
    assert Client().get("/metrics", **outsider).status_code == 200


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import django, sys\ndjango.setup()\n" + code],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "server.settings_test",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_does_not_import_sentry_without_a_dsn():
    out = _python("print('sentry_sdk' in sys.modules)", SENTRY_DSN="")
    assert out.stdout.strip() == "False", out.stderr


def test_an_empty_multiprocess_directory_means_off(tmp_path):
    """prometheus-client alone would write its files into the working directory."""
    code = "from server.observability import HTTP_REQUESTS\nHTTP_REQUESTS.labels('/x', '200').inc()"
    out = subprocess.run(
        [sys.executable, "-c", "import django\ndjango.setup()\n" + code],
        cwd=tmp_path,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "server.settings_test",
            "PROMETHEUS_MULTIPROC_DIR": "",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert list(tmp_path.iterdir()) == []


def test_it_reports_an_error_to_sentry_without_personal_data():
    received: list[bytes] = []

    class Sentry(BaseHTTPRequestHandler):
        def do_POST(self):
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            gzipped = self.headers.get("Content-Encoding") == "gzip"
            received.append(gzip.decompress(raw) if gzipped else raw)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Sentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dsn = f"http://publickey@127.0.0.1:{server.server_port}/42"
        code = (
            "import logging, sentry_sdk\n"
            "resident_name = 'Nguyễn Thị Lan'\n"
            "try:\n    1 / 0\nexcept ZeroDivisionError:\n"
            "    logging.getLogger('catruc.test').exception('boom')\n"
            "sentry_sdk.flush(5)\nprint('sentry_sdk' in sys.modules)"
        )
        out = _python(code, SENTRY_DSN=dsn, SENTRY_ENVIRONMENT="ci")
        assert out.stdout.strip() == "True", out.stderr
    finally:
        server.shutdown()
    body = b"".join(received).decode("utf-8", "replace")
    assert "ZeroDivisionError" in body and '"environment":"ci"' in body.replace(" ", "")
    assert "Nguyễn" not in body and "resident_name" not in body  # no local variables
    header = json.loads(body.splitlines()[0])
    assert header.get("dsn", dsn) == dsn, header
