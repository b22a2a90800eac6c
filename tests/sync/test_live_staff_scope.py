"""ws /ws/v1/live against the real ASGI server: a change of a "staff" type (the medicine
stock) pokes the nurses' and managers' sockets and never a carer's, who may not pull it."""

from __future__ import annotations

import json

from sync.models import Stream
from tests.stock_helpers import medicine, receive
from tests.sync.test_live import note, phone, socket_for


def _token(client) -> str:
    return client.db.execute("select token from accounts").fetchone()[0]


def _head(centre) -> int:
    return Stream.objects.get(facility_id=centre.facility.id).last_seq


def test_a_stock_change_pokes_a_manager_and_not_a_carer(centre, server):
    para = medicine(centre.facility)
    carer, manager, nurse = (phone(server, u) for u in ("carer", "manager", "nurse"))
    with socket_for(server, _token(carer)) as carer_ws, socket_for(server, _token(manager)) as ws:
        nurse.queue("stock.receive", receive(para, 12)["args"])
        nurse.sync()
        after_stock = _head(centre)
        assert after_stock > 0
        assert json.loads(ws.recv(timeout=10))["cursor"] == after_stock
        note(nurse, centre, centre.elderly)  # the carer's area: her first poke
        poke = json.loads(carer_ws.recv(timeout=10))
        assert poke["cursor"] == _head(centre) > after_stock
