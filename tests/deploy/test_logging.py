"""Structured logs: JSON lines with request, user, device and event ids, never names."""

from __future__ import annotations

import json
import logging
import uuid

import httpx
import pytest

from server.middleware import JsonFormatter, TextFormatter, request_id_from, request_id_var
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory
from tests.servers import ServerProcess


def _record(**extra) -> logging.LogRecord:
    return logging.makeLogRecord(
        {
            "name": "catruc.sync",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": "sync call",
            **extra,
        }
    )


def test_it_formats_a_record_as_one_json_line_with_the_request_id_and_extras():
    token = request_id_var.set("req-1")
    try:
        line = JsonFormatter().format(_record(user_id="u-1", event_ids=["e-1", "e-2"]))
    finally:
        request_id_var.reset(token)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == "req-1"
    assert entry["user_id"] == "u-1"
    assert entry["event_ids"] == ["e-1", "e-2"]
    assert (entry["level"], entry["logger"], entry["msg"]) == ("INFO", "catruc.sync", "sync call")


def test_it_formats_text_for_a_person_in_debug():
    line = TextFormatter().format(_record(device_id="d-1"))
    assert "catruc.sync: sync call" in line
    assert "device_id=d-1" in line


@pytest.mark.parametrize(
    ("header", "kept"),
    [
        ("abc-123", True),
        ("0f6b0c4e2d6f4a0e9f0d7b8c1a2b3c4d", True),
        ("x" * 65, False),  # too long to echo into every line
        ("a b", False),
        ('"},{"level":"ERROR', False),  # would forge a field in a naive log reader
        ("", False),
        (None, False),
    ],
)
def test_it_keeps_a_client_request_id_only_when_short_and_inert(header, kept):
    result = request_id_from(header)
    assert (result == header) is kept
    assert 1 <= len(result) <= 64


def test_it_echoes_the_request_id_or_makes_one(db, client):
    given = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert given["X-Request-ID"] == "abc-123"
    made = client.get("/healthz")
    assert len(made["X-Request-ID"]) == 32


def test_it_names_user_and_device_on_the_access_line(centre, api, caplog):
    api.login("carer")
    with caplog.at_level(logging.INFO, logger="catruc.request"):
        response = api.get("/api/auth/me", HTTP_X_REQUEST_ID="req-me")
    assert response.status_code == 200
    line = [r for r in caplog.records if r.name == "catruc.request"][-1]
    assert (line.user_id, line.device_id, line.status) == (str(centre.carer.pk), api.device_id, 200)
    assert json.loads(JsonFormatter().format(line))["request_id"] == "req-me"


@pytest.mark.django_db(transaction=True)
def test_it_logs_a_sync_call_as_json_with_its_ids_and_no_resident_name(centre):
    resident = ResidentFactory(area=centre.elderly, full_name="Lê Thị Riêng Tư")
    task = TaskFactory(resident=resident)
    server = ServerProcess(env={"LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}).start()
    try:
        device_id = str(uuid.uuid4())
        login = httpx.post(
            server.url + "/api/auth/token",
            json={
                "username": "carer",
                "password": "test-pass-123",
                "device_id": device_id,
                "device_name": "thử",
            },
        )
        token = login.json()["token"]
        events = [
            event(
                "task.complete",
                {"task_id": task.id, "outcome": "done", "details": {"portion": 100}},
            ),
            event(
                "note.add",
                {
                    "note_id": uuid.uuid4(),
                    "kind": "observation",
                    "resident_id": resident.id,
                    "text": "Lê Thị Riêng Tư uống Amlodipin, ngủ ngon",
                },
            ),
        ]
        response = httpx.post(
            server.url + "/api/sync/v1",
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-sync-1"},
            json={"protocol": 1, "device_id": device_id, "cursor": None, "events": events},
        )
        assert response.status_code == 200, response.text
        assert [r["status"] for r in response.json()["results"]] == ["applied", "applied"], (
            response.text
        )
    finally:
        server.stop()
    output = server.log_path.read_text(encoding="utf-8")
    entries = [
        json.loads(line) for line in output.splitlines() if line.strip()
    ]  # every line is JSON
    sync_lines = [
        e
        for e in entries
        if e.get("logger") == "catruc.sync" and e.get("request_id") == "req-sync-1"
    ]
    assert len(sync_lines) == 1
    assert sync_lines[0]["event_ids"] == [e["id"] for e in events]
    assert sync_lines[0]["user_id"] == str(centre.carer.pk)
    assert sync_lines[0]["device_id"] == device_id
    access = [
        e
        for e in entries
        if e.get("logger") == "catruc.request" and e.get("request_id") == "req-sync-1"
    ]
    assert [(a["path"], a["status"], a["user_id"], a["device_id"]) for a in access] == [
        ("/api/sync/v1", 200, str(centre.carer.pk), device_id)
    ]
    for secret in ("Riêng Tư", "Amlodipin", json.dumps("Riêng Tư")[1:-1]):
        assert secret not in output
