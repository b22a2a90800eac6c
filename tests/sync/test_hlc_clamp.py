"""A wrong or forged HLC never wins a merge (docs/protocol.md §7): a stamp more than
5 minutes ahead of the server's clock is clamped on receipt and flagged `clock_skew`;
a malformed one is dropped and crashes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from server.care.models import Resident
from sync.models import EventLog
from sync.protocol import Stamp
from tests.events import event
from tests.factories import ResidentFactory


def update(resident, room: str, *, hlc: str, at=None) -> dict:
    ev = event(
        "resident.update",
        {"resident_id": resident.id, "fields": {"room": room}, "base_version": 1},
        at=at,
    )
    ev["hlc"] = hlc
    return ev


def push(client, ev) -> dict:
    response = client.sync([ev])
    assert response.status_code == 200, response.content
    return response.json()["results"][0]


def honest_stamp(node: str) -> str:
    # A minute ahead: a phone whose clock runs a little fast is believed.
    return f"{int((timezone.now() + timedelta(minutes=1)).timestamp() * 1000):013d}-0000-{node}"


@pytest.fixture
def resident(centre) -> Resident:
    return ResidentFactory(area=centre.elderly, room="P3")


@pytest.fixture
def phones(make_api):
    nurse, manager = make_api(), make_api()
    nurse.login("nurse")
    manager.login("manager")
    return nurse, manager


def test_a_forged_stamp_is_clamped_and_loses_to_a_later_honest_edit(resident, phones):
    nurse, manager = phones
    forged = update(resident, "P8", hlc="9999999999999-9999-x")
    result = push(nurse, forged)
    assert result["status"] == "applied" and "clock_skew" in result["flags"]
    stored = Stamp.parse(EventLog.objects.get(id=forged["id"]).hlc)
    assert stored.millis <= timezone.now().timestamp() * 1000 and stored.node == "x"
    # The manager edited the same field offline, from the same version, a moment later.
    later = push(manager, update(resident, "P9", hlc=honest_stamp("manager")))
    assert (later["status"], later["code"]) == ("conflict", "concurrent_edit")
    resident.refresh_from_db()
    assert resident.room == "P9"


def test_a_device_time_in_2100_without_a_stamp_does_not_win_either(resident, phones):
    nurse, manager = phones
    future = timezone.now().replace(year=2100)
    result = push(nurse, update(resident, "P8", hlc="", at=future))
    assert "clock_skew" in result["flags"]
    push(manager, update(resident, "P9", hlc=honest_stamp("manager")))
    resident.refresh_from_db()
    assert resident.room == "P9"


@pytest.mark.parametrize(
    "stamp",
    [
        "not-a-stamp",
        "١٢٣٤٥٦٧٨٩٠١٢٣-0000-x",  # Arabic-Indic digits: int() reads them, they sort after "9"
        "1700000000000-0000-",
        "1700000000000-00a0-x",
        " 700000000000-0000-x",
    ],
)
def test_a_malformed_stamp_is_dropped_and_crashes_nothing(resident, phones, stamp):
    nurse, manager = phones
    ev = update(resident, "P8", hlc=stamp)
    assert push(nurse, ev)["status"] == "applied"
    assert EventLog.objects.get(id=ev["id"]).hlc == ""
    push(manager, update(resident, "P9", hlc=honest_stamp("manager")))
    resident.refresh_from_db()
    assert resident.room == "P9"
