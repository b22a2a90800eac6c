"""Concurrent pushes and pulls on PostgreSQL, over HTTP to several uvicorn processes:
every puller ends with every change, with no gap and no change twice.

This is what the per-facility stream lock buys (docs/protocol.md, "Sequence numbers"): a
pull bounded by the committed head can never skip a change that commits later.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import httpx
import pytest

from tests.factories import PASSWORD
from tests.servers import ServerProcess

PUSHERS, PULLERS, CALLS, PER_CALL = 8, 2, 6, 8


def login(url: str, username: str) -> tuple[str, str]:
    device_id = str(uuid.uuid4())
    body = httpx.post(
        f"{url}/api/auth/token",
        json={
            "username": username,
            "password": PASSWORD,
            "device_id": device_id,
            "device_name": "máy",
        },
    ).json()
    return body["token"], device_id


def call(url: str, token: str, device_id: str, cursor: str | None, events: list[dict]) -> dict:
    response = httpx.post(
        f"{url}/api/sync/v1",
        timeout=60,
        headers={"Authorization": f"Bearer {token}"},
        json={"protocol": 1, "device_id": device_id, "cursor": cursor, "events": events},
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.postgres
def test_it_gives_every_puller_every_change_under_concurrent_pushes(centre, server):
    extra = [ServerProcess().start() for _ in range(2)]
    urls = [server.url] + [s.url for s in extra]
    try:
        created: list[str] = []
        errors: list[BaseException] = []
        pushing = threading.Event()
        pushing.set()
        lock = threading.Lock()

        def pusher(index: int) -> None:
            try:
                url = urls[index % len(urls)]
                token, device_id = login(url, ["carer", "nurse", "manager"][index % 3])
                cursor = None
                for call_no in range(CALLS):
                    events = []
                    for i in range(PER_CALL):
                        note_id = str(uuid.uuid4())
                        events.append(
                            {
                                "id": str(uuid.uuid4()),
                                "device_seq": call_no * PER_CALL + i,
                                "name": "note.add",
                                "at": "2026-11-23T08:00:00+07:00",
                                "args": {
                                    "note_id": note_id,
                                    "kind": "observation",
                                    "text": f"p{index}",
                                    "facility_id": str(centre.facility.id),
                                    "area_id": str(centre.elderly.id),
                                },
                            }
                        )
                        with lock:
                            created.append(note_id)
                    body = call(url, token, device_id, cursor, events)
                    assert {r["status"] for r in body["results"]} == {"applied"}
                    cursor = body["cursor"]
            except BaseException as exc:  # surfaced in the main thread
                errors.append(exc)

        received: dict[int, list[tuple[int, str]]] = {}

        def puller(index: int) -> None:
            try:
                url = urls[index % len(urls)]
                token, device_id = login(url, ["manager", "carer"][index])
                cursor, seen = None, []
                while True:
                    done = not pushing.is_set()  # read before the pull: one more full pass after
                    while True:
                        body = call(url, token, device_id, cursor, [])
                        seen += [(c["seq"], c["id"]) for c in body["changes"]]
                        cursor = body["cursor"]
                        if not body["more"]:
                            break
                    if done:
                        break
                received[index] = seen
            except BaseException as exc:
                errors.append(exc)

        pushers = [threading.Thread(target=pusher, args=(i,)) for i in range(PUSHERS)]
        pullers = [threading.Thread(target=puller, args=(i,)) for i in range(PULLERS)]
        for thread in pullers + pushers:
            thread.start()
        for thread in pushers:
            thread.join(300)
        pushing.clear()
        for thread in pullers:
            thread.join(300)
        assert not errors, errors
        assert len(created) == PUSHERS * CALLS * PER_CALL
        for index, seen in received.items():
            seqs = [seq for seq, _ in seen]
            assert not [s for s, n in Counter(seqs).items() if n > 1], (
                f"puller {index} got a seq twice"
            )
            assert seqs == sorted(seqs), f"puller {index} went back in time"
            assert {note_id for _, note_id in seen} == set(created), (
                f"puller {index} missed changes"
            )
    finally:
        for process in extra:
            process.stop()
