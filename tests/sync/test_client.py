"""The reference client against the real ASGI app (uvicorn): outbox, chunks, retries,
lost responses, resets, old protocol, several users on one phone."""

from __future__ import annotations

import gzip
import json
import uuid

import httpx
import pytest

from sync.client import SyncClient, SyncFailed
from sync.models import EventLog
from sync.types import publish
from tests.factories import PASSWORD, ResidentFactory, TaskFactory


class LoseResponses(httpx.HTTPTransport):
    """The server receives and commits the request; the phone never hears back."""

    def __init__(self, lose: int = 0) -> None:
        super().__init__()
        self.lose = lose
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        response.read()
        if request.url.path.endswith("/sync/v1"):
            self.sent += 1
            if self.lose > 0:
                self.lose -= 1
                raise httpx.ReadError("connection reset after the server committed")
        return response


def tasks_in(area, n: int = 3) -> list:
    resident = ResidentFactory(area=area)
    tasks = [
        TaskFactory(resident=resident, kind="custom", slot=f"{8 + i:02d}:00") for i in range(n)
    ]
    publish(tasks)
    return tasks


def test_it_queues_offline_then_pushes_and_pulls(centre, server):
    tasks = tasks_in(centre.elderly)
    phone = SyncClient(server.url)
    phone.login("carer", PASSWORD)
    phone.sync()
    assert set(phone.records("task")) == {str(t.id) for t in tasks}
    phone.queue("task.complete", {"task_id": str(tasks[0].id), "outcome": "done"})
    phone.queue(
        "note.add",
        {
            "note_id": str(uuid.uuid4()),
            "kind": "handover",
            "text": "Ổn",
            "facility_id": str(centre.facility.id),
        },
    )
    assert phone.pending_count() == 2
    report = phone.sync()
    assert phone.pending_count() == 0
    assert report.acknowledged == 2
    assert report.pulled == 0  # no echo: the phone knows its own writes from the results
    assert phone.records("task")[str(tasks[0].id)]["status"] == "done"
    assert len(phone.records("note")) == 1


def test_it_retries_a_lost_response_with_the_same_ids(centre, server):
    tasks = tasks_in(centre.elderly, 1)
    transport = LoseResponses(lose=1)
    phone = SyncClient(server.url, transport=transport, sleep=lambda s: None)
    phone.login("carer", PASSWORD)
    phone.sync()
    transport.lose = 1
    event = phone.queue("task.complete", {"task_id": str(tasks[0].id), "outcome": "done"})
    report = phone.sync()
    assert [r["status"] for r in report.results] == ["duplicate"]
    assert report.results[0]["original_status"] == "applied"
    assert EventLog.objects.filter(id=event["id"]).count() == 1
    assert phone.pending_count() == 0
    assert phone.records("task")[str(tasks[0].id)]["status"] == "done"


def test_it_keeps_the_outbox_when_the_server_stays_unreachable(centre, server):
    phone = SyncClient(server.url, sleep=lambda s: None, max_attempts=3)
    phone.login("carer", PASSWORD)
    phone.base_url = "http://127.0.0.1:9"  # nothing listens there
    phone.queue(
        "note.add",
        {
            "note_id": str(uuid.uuid4()),
            "kind": "handover",
            "text": "x",
            "facility_id": str(centre.facility.id),
        },
    )
    with pytest.raises(SyncFailed):
        phone.sync()
    assert phone.pending_count() == 1


def test_it_gzips_both_ways_over_real_http(centre, server):
    api_phone = SyncClient(server.url)
    user_id = api_phone.login("carer", PASSWORD)
    token = api_phone.db.execute(
        "select token from accounts where user_id = ?", (user_id,)
    ).fetchone()[0]
    events = [
        {
            "id": str(uuid.uuid4()),
            "device_seq": i,
            "name": "note.add",
            "at": "2026-11-23T07:00:00+07:00",
            "args": {
                "note_id": str(uuid.uuid4()),
                "kind": "handover",
                "text": "Bàn giao " * 20,
                "facility_id": str(centre.facility.id),
            },
        }
        for i in range(50)
    ]
    raw = json.dumps(
        {"protocol": 1, "device_id": api_phone.device_id, "cursor": None, "events": events}
    ).encode()
    packed = gzip.compress(raw)
    response = httpx.post(
        f"{server.url}/api/sync/v1",
        content=packed,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "Accept-Encoding": "gzip",
        },
    )
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert response.num_bytes_downloaded < len(response.content)
    assert {r["status"] for r in response.json()["results"]} == {"applied"}


def test_it_pushes_in_chunks_of_at_most_500(centre, server):
    phone = SyncClient(server.url)
    phone.login("carer", PASSWORD)
    for _ in range(1100):
        phone.queue(
            "note.add",
            {
                "note_id": str(uuid.uuid4()),
                "kind": "observation",
                "text": "ổn",
                "facility_id": str(centre.facility.id),
            },
        )
    report = phone.sync()
    assert report.requests == 3 and report.acknowledged == 1100 and phone.pending_count() == 0
    assert report.bytes_sent < 1100 * 250 / 2  # gzip
    assert len(phone.records("note")) == 1100


def test_it_starts_over_on_reset_required_and_keeps_its_outbox(centre, server):
    tasks = tasks_in(centre.elderly, 2)
    children = tasks_in(centre.children, 1)
    phone = SyncClient(server.url)
    phone.login("carer", PASSWORD)
    phone.sync()
    phone.queue("task.complete", {"task_id": str(tasks[0].id), "outcome": "done"})
    centre.carer.memberships.get().areas.add(centre.children)
    report = phone.sync()
    assert report.resets == 1 and phone.pending_count() == 0
    assert set(phone.records("task")) == {str(t.id) for t in tasks + children}
    assert phone.records("task")[str(tasks[0].id)]["status"] == "done"


def test_it_keeps_pushing_but_stops_pulling_when_too_old(centre, server):
    tasks_in(centre.elderly, 1)
    phone = SyncClient(server.url, protocol=0)
    phone.login("carer", PASSWORD)
    phone.queue(
        "note.add",
        {
            "note_id": str(uuid.uuid4()),
            "kind": "observation",
            "text": "ổn",
            "facility_id": str(centre.facility.id),
        },
    )
    report = phone.sync()
    assert report.upgrade_required and report.acknowledged == 1 and phone.pending_count() == 0
    assert phone.records("task") == {}
    assert phone.sync().requests == 0  # nothing to push, and pulling is pointless


def test_it_keeps_rejected_events_aside_with_their_code(centre, server):
    outside = tasks_in(centre.children, 1)[0]
    phone = SyncClient(server.url)
    phone.login("carer", PASSWORD)
    phone.queue("task.complete", {"task_id": str(outside.id), "outcome": "done"})
    phone.sync()
    assert phone.pending_count() == 0
    [rejected] = phone.rejected()
    assert rejected["code"] == "not_found" and rejected["message"]


def test_it_sends_each_users_events_with_their_own_token(centre, server):
    task = tasks_in(centre.elderly, 1)[0]
    phone = SyncClient(server.url)
    morning = phone.login("carer", PASSWORD)
    phone.queue("task.complete", {"task_id": str(task.id), "outcome": "done"})
    evening = phone.login("manager", PASSWORD)  # shift handover on a shared phone, still offline
    note = phone.queue(
        "note.add",
        {
            "note_id": str(uuid.uuid4()),
            "kind": "handover",
            "text": "Bàn giao",
            "facility_id": str(centre.facility.id),
        },
    )
    assert phone.pending_count(morning) == phone.pending_count(evening) == 1
    phone.sync()
    assert phone.pending_count() == 0
    assert str(EventLog.objects.get(name="task.complete").user_id) == morning
    assert str(EventLog.objects.get(id=note["id"]).user_id) == evening
    # The evening user sees the morning user's work although it came from this phone.
    assert phone.records("task")[str(task.id)]["done_by"] == morning
