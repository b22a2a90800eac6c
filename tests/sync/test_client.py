"""The reference client against the real ASGI app (uvicorn): outbox, chunks, retries,
lost responses, resets, old protocol, several users on one phone."""

from __future__ import annotations

import uuid

import httpx
import pytest

from server.care.publish import publish
from sync.client import SyncClient, SyncFailed
from sync.models import EventLog
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
    tasks = [TaskFactory(resident=resident, kind="custom", slot=f"{8 + i:02d}:00") for i in range(n)]
    publish(tasks)
    return tasks


def test_it_queues_offline_then_pushes_and_pulls(centre, asgi_server):
    tasks = tasks_in(centre.elderly)
    phone = SyncClient(asgi_server.url)
    phone.login("carer", PASSWORD)
    phone.sync()
    assert set(phone.records("task")) == {str(t.id) for t in tasks}
    phone.queue("task.complete", {"task_id": str(tasks[0].id), "outcome": "done"})
    phone.queue("note.add", {"note_id": str(uuid.uuid4()), "kind": "handover", "text": "Ổn",
                              "facility_id": str(centre.facility.id)})
    assert phone.pending_count() == 2
    report = phone.sync()
    assert phone.pending_count() == 0
    assert report.acknowledged == 2
    assert report.pulled == 0  # no echo: the phone knows its own writes from the results
    assert phone.records("task")[str(tasks[0].id)]["status"] == "done"
    assert len(phone.records("note")) == 1


def test_it_retries_a_lost_response_with_the_same_ids(centre, asgi_server):
    tasks = tasks_in(centre.elderly, 1)
    transport = LoseResponses(lose=1)
    phone = SyncClient(asgi_server.url, transport=transport, sleep=lambda s: None)
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


def test_it_keeps_the_outbox_when_the_server_stays_unreachable(centre, asgi_server):
    phone = SyncClient(asgi_server.url, sleep=lambda s: None, max_attempts=3)
    phone.login("carer", PASSWORD)
    phone.base_url = "http://127.0.0.1:9"  # nothing listens there
    phone.queue("note.add", {"note_id": str(uuid.uuid4()), "kind": "handover", "text": "x",
                              "facility_id": str(centre.facility.id)})
    with pytest.raises(SyncFailed):
        phone.sync()
    assert phone.pending_count() == 1
