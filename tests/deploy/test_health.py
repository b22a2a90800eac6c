"""GET /healthz: 200 only when the database (and Redis, when configured) answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

from tests import servers

PROBE = """
import json, django
django.setup()
from django.test import Client
r = Client().get("/healthz")
print(json.dumps({"status": r.status_code, "body": json.loads(r.content)}))
"""


def _probe(**env: str) -> dict:
    """/healthz in a fresh process with other settings (a broken DATABASE_URL cannot be
    swapped into the running test process's connection)."""
    full = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "server.settings_test",
        "LOG_LEVEL": "ERROR",
        **env,
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=servers.ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_it_answers_200_when_everything_answers(db, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert ("redis" in body["checks"]) is bool(settings.REDIS_URL)
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_naming_the_database_when_it_is_unreachable():
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    result = _probe(DATABASE_URL="postgresql://postgres@127.0.0.1:1/nothing", REDIS_URL="")
    assert result["status"] == 503
    assert result["body"]["checks"] == {"database": "fail"}
    assert result["body"]["failed"] == ["database"]


def test_it_answers_503_naming_redis_when_it_is_unreachable(db):
    result = _probe(DATABASE_URL=servers.shared_database_url(), REDIS_URL="redis://127.0.0.1:1/0")
    assert result["status"] == 503
    assert result["body"]["checks"] == {"database": "ok", "redis": "fail"}
    assert result["body"]["failed"] == ["redis"]


def test_it_refuses_anything_but_get(db, client):
    assert client.post("/healthz").status_code == 405
