"""ws /ws/v1/live against the real ASGI server: first-message auth, pokes after commit,
only to the sockets whose scope has the change."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from sync.client import SyncClient
from sync.models import Stream
from tests.factories import PASSWORD, MembershipFactory, UserFactory


@contextmanager
def socket_for(server, token: str):
    with connect(f"{server.ws_url}/ws/v1/live", open_timeout=10) as ws:
        ws.send(json.dumps({"type": "auth", "token": token}))
        ready = json.loads(ws.recv(timeout=10))
        assert ready["type"] == "ready"
        yield ws


def phone(server, username: str) -> SyncClient:
    client = SyncClient(server.url)
    client.login(username, PASSWORD)
    return client


def note(client: SyncClient, centre, area) -> None:
    client.queue(
        "note.add",
        {
            "note_id": str(uuid.uuid4()),
            "kind": "observation",
            "text": "Ho nhẹ",
            "facility_id": str(centre.facility.id),
            "area_id": str(area.id),
        },
    )
    client.sync()


def test_it_pokes_a_carer_when_another_phone_writes_in_their_area(centre, server):
    colleague = UserFactory(username="carer2")
    MembershipFactory(
        user=colleague, facility=centre.facility, role="carer", areas=[centre.elderly]
    )
    listener = phone(server, "carer")
    with socket_for(server, listener.db.execute("select token from accounts").fetchone()[0]) as ws:
        note(phone(server, "carer2"), centre, centre.elderly)
        poke = json.loads(ws.recv(timeout=10))
        head = Stream.objects.get(facility_id=centre.facility.id).last_seq
        assert poke == {"type": "poke", "cursor": head, "facility": str(centre.facility.id)}


def test_it_does_not_poke_a_carer_of_another_area(centre, server):
    listener = phone(server, "carer_children")
    with socket_for(server, listener.db.execute("select token from accounts").fetchone()[0]) as ws:
        writer = phone(server, "nurse")
        note(writer, centre, centre.elderly)  # outside carer_children's scope: no poke
        note(writer, centre, centre.children)  # inside: poke
        poke = json.loads(ws.recv(timeout=10))
        # The first message is the poke of the second change: the first one sent nothing.
        assert poke["cursor"] == Stream.objects.get(facility_id=centre.facility.id).last_seq == 2


@pytest.mark.parametrize("first", [{"type": "auth", "token": "forged"}, {"type": "hello"}])
def test_it_closes_with_4401_without_a_valid_token(centre, server, first):
    with connect(f"{server.ws_url}/ws/v1/live", open_timeout=10) as ws:
        ws.send(json.dumps(first))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd.code == 4401


def test_an_idle_socket_stays_open_and_is_poked_later(centre, server):
    # A socket that hears nothing for longer than the channel layer's blocking read (5 s on
    # Redis) must stay open: redis-py 8 gives its sockets a 5 s read timeout by default, which
    # tore every idle consumer down and made phones and boards reconnect every few seconds.
    listener = phone(server, "carer")
    with socket_for(server, listener.db.execute("select token from accounts").fetchone()[0]) as ws:
        with pytest.raises(TimeoutError):
            ws.recv(timeout=12)  # nothing to hear, and no close either
        note(phone(server, "nurse"), centre, centre.elderly)
        poke = json.loads(ws.recv(timeout=10))
        assert poke["type"] == "poke"
