"""The board's stock section, live: a level below its minimum, a lot expiring within 30 days
and a stock out appear in the snapshot and as deltas after a push through the real endpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from server.live.dashboard.projection import Projection
from server.live.dashboard.rules import Shift
from server.stock.models import StockLevel
from tests.live.test_dashboard_socket import open_dashboard, token_for
from tests.personas import make_centre
from tests.stock_helpers import medicine, receive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stocked(transactional_db):
    centre = make_centre()
    para = medicine(centre.facility, min_stock=10)
    return centre, para


async def test_low_stock_and_near_expiry_show_in_the_snapshot_and_live(stocked, make_api):
    centre, para = stocked
    nurse = make_api()
    await database_sync_to_async(nurse.login)("nurse")
    far = (timezone.localdate() + timedelta(days=300)).isoformat()
    await database_sync_to_async(nurse.sync)([receive(para, 50, expiry=far)])
    comm = await open_dashboard(
        centre.facility.id, await database_sync_to_async(token_for)("manager")
    )
    await comm.receive_json_from(timeout=3)
    snapshot = await comm.receive_json_from(timeout=5)
    assert snapshot["sections"]["stock"] == {}  # plenty, far from expiry

    soon = (timezone.localdate() + timedelta(days=10)).isoformat()
    response = await database_sync_to_async(nurse.sync)(
        [receive(para, 5, source="donated", lot="D1", expiry=soon)]
    )
    assert response.json()["results"][0]["status"] == "applied"
    delta = await comm.receive_json_from(timeout=5)
    (item,) = delta["sections"]["stock"]["set"].values()
    assert item == {
        "medicine_id": str(para.id),
        "medicine": "Paracetamol 500mg",
        "controlled": False,
        "funding_source": "donated",
        "quantity": 5,
        "unit": "viên",
        "out": False,
        "low": True,
        "expiring": soon,
    }
    await comm.disconnect()
    again = await open_dashboard(
        centre.facility.id, await database_sync_to_async(token_for)("manager")
    )
    await again.receive_json_from(timeout=3)
    snapshot = await again.receive_json_from(timeout=5)
    level = await database_sync_to_async(StockLevel.objects.get)(funding_source="donated")
    assert snapshot["sections"]["stock"][str(level.id)] == item
    await again.disconnect()


def test_a_stock_out_is_flagged_and_a_restocked_level_leaves_the_list():
    now = timezone.now()
    shift = Shift("day", now - timedelta(hours=1), now + timedelta(hours=11))
    p = Projection(
        facility_id=None, shift=shift, now=now, slot_minutes=60, norms=(), areas={}, carers={}
    )
    p.apply(
        [
            {
                "type": "medicine",
                "id": "m",
                "data": {"name": "Diazepam", "strength": "5mg", "controlled": True},
            }
        ],
        now,
    )
    level = {
        "medicine_id": "m",
        "funding_source": "bhyt",
        "quantity": -1,
        "unit": "viên",
        "low": True,
        "earliest_expiry": None,
    }
    delta = p.apply([{"type": "stock_level", "id": "L", "v": 2, "data": level}], now)
    assert delta["stock"]["set"]["L"]["out"] is True and delta["stock"]["set"]["L"]["controlled"]
    delta = p.apply(
        [
            {
                "type": "stock_level",
                "id": "L",
                "v": 3,
                "data": {**level, "quantity": 40, "low": False},
            }
        ],
        now,
    )
    assert delta["stock"]["del"] == ["L"]
