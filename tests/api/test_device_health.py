"""Device health (docs/protocol.md §2 `client`): every sync call stamps its device, managers
read it through GET /api/devices, and a hostile `client` is ignored, never a failed call."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from server.accounts.models import Device
from tests.events import event

pytestmark = pytest.mark.django_db


def _sync(api, client=None, events=None):
    body = {"protocol": 1, "device_id": api.device_id, "cursor": None, "events": events or []}
    if client is not None:
        body["client"] = client
    response = api.post("/api/sync/v1", body)
    assert response.status_code == 200, response.content
    return response.json()


def _devices(api, facility):
    return api.get(f"/api/devices?facility={facility}")


def test_sync_call_stamps_device_and_manager_reads_it(centre, make_api):
    carer = make_api()
    carer.login("carer")
    _sync(carer, {"version": "abc123", "queued": 4})
    manager = make_api()
    manager.login("manager")
    response = _devices(manager, centre.facility.id)
    assert response.status_code == 200
    rows = {d["id"]: d for d in response.json()["items"]}
    row = rows[carer.device_id]
    assert row["last_user"] == "Người carer"
    assert row["app_version"] == "abc123"
    assert row["queued"] == 4
    assert row["last_status"] == "ok"
    assert row["revoked"] is False
    assert row["warnings"] == []
    seen = timezone.datetime.fromisoformat(row["last_seen_at"])
    assert abs(timezone.now() - seen) < timedelta(seconds=30)
    # The manager's own device has never synced: it shows, with nothing to warn about.
    assert rows[manager.device_id]["last_seen_at"] is None
    assert rows[manager.device_id]["warnings"] == []


def _device_updates(api, client, events=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        _sync(api, client, events)
    return sum(
        1 for q in queries if q["sql"].startswith("UPDATE") and 'accounts_device"' in q["sql"]
    )


def test_at_most_one_update_per_call_and_none_when_nothing_changed(centre, make_api):
    carer = make_api()
    carer.login("carer")
    assert _device_updates(carer, {"version": "v1", "queued": 2}) == 1
    # Same report within a minute: no write on the hot path.
    assert _device_updates(carer, {"version": "v1", "queued": 2}) == 0
    assert _device_updates(carer, {"version": "v1", "queued": 0}) == 1
    Device.objects.filter(id=carer.device_id).update(
        last_seen_at=timezone.now() - timedelta(minutes=2)
    )
    assert _device_updates(carer, {"version": "v1", "queued": 0}) == 1


def test_another_user_and_a_refused_event_are_recorded(centre, make_api):
    phone = make_api()
    phone.login("carer")
    _sync(phone, {"version": "v1", "queued": 1}, [event("no.such_event", {})])
    device = Device.objects.get(id=phone.device_id)
    assert device.last_status == "rejected" and device.last_user == centre.carer
    phone.login("nurse", device_id=phone.device_id)
    _sync(phone)  # no `client`: the last report stays
    device.refresh_from_db()
    assert device.last_user == centre.nurse and device.last_status == "ok"
    assert (device.app_version, device.queued) == ("v1", 1)


HOSTILE = [
    "v1",
    None,
    [],
    12,
    {"version": "a\x00b", "queued": -1},
    {"version": "x" * 41, "queued": 10**30},
    {"version": 5, "queued": True},
    {"version": "", "queued": 1.5},
    {"version": "dòng\nmới", "queued": "3"},
    {"version": {"a": [1, 2]}, "queued": None},
    {"version": "\ud800", "queued": [1]},
    {"clock": True},
    {"clock": -5},
    {"clock": 0},
    {"clock": 2**60},
    {"clock": 1.7e12},
    {"clock": "1764590400000"},
    {"clock": [1764590400000]},
]


@pytest.mark.parametrize("client", HOSTILE)
def test_hostile_client_is_ignored_never_a_failed_call(centre, make_api, client):
    carer = make_api()
    carer.login("carer")
    _sync(carer, {"version": "good-1", "queued": 3})
    Device.objects.filter(id=carer.device_id).update(last_seen_at=None)
    raw = json.dumps(
        {
            "protocol": 1,
            "device_id": carer.device_id,
            "cursor": None,
            "events": [],
            "client": client,
        }
    )
    response = carer.post("/api/sync/v1", raw)
    assert response.status_code == 200, response.content
    device = Device.objects.get(id=carer.device_id)
    assert (device.app_version, device.queued) == ("good-1", 3)
    assert device.clock_skew is None
    assert device.last_seen_at is not None  # the call itself still counts as seen


def test_warnings_for_a_silent_phone_and_a_long_queue(centre, make_api):
    carer = make_api()
    carer.login("carer")
    _sync(carer, {"version": "v1", "queued": 5})
    now = timezone.now()
    Device.objects.filter(id=carer.device_id).update(queued_since=now - timedelta(hours=2))
    manager = make_api()
    manager.login("manager")
    rows = {d["id"]: d for d in _devices(manager, centre.facility.id).json()["items"]}
    assert rows[carer.device_id]["warnings"] == ["queued_long"]
    # The queue is still there on the next call: it keeps its first time.
    _sync(carer, {"version": "v1", "queued": 6})
    assert Device.objects.get(id=carer.device_id).queued_since < now - timedelta(hours=1)
    Device.objects.filter(id=carer.device_id).update(last_seen_at=now - timedelta(days=2))
    rows = {d["id"]: d for d in _devices(manager, centre.facility.id).json()["items"]}
    assert rows[carer.device_id]["warnings"] == ["stale", "queued_long"]
    _sync(carer, {"version": "v1", "queued": 0})
    rows = {d["id"]: d for d in _devices(manager, centre.facility.id).json()["items"]}
    assert rows[carer.device_id]["warnings"] == []


def test_devices_list_is_for_managers_of_that_facility(centre, make_api):
    carer = make_api()
    carer.login("carer")
    response = _devices(carer, centre.facility.id)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    outsider = make_api()
    outsider.login("outsider")
    other = _devices(outsider, centre.facility.id)
    missing = _devices(outsider, uuid.uuid4())
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    # The outsider's own centre lists only its own phone.
    own = _devices(outsider, centre.other_facility.id).json()["items"]
    assert [d["id"] for d in own] == [outsider.device_id]
    assert _devices(outsider, "not-a-uuid").status_code == 400
    assert carer.client.get(f"/api/devices?facility={centre.facility.id}").status_code == 401


def _now_ms() -> int:
    return int(time.time() * 1000)


def test_a_phone_clock_off_is_kept_and_warned_until_it_is_set_right(centre, make_api):
    carer = make_api()
    carer.login("carer")
    _sync(carer, {"version": "v1", "queued": 0, "clock": _now_ms() - 2 * 86400_000})
    skew = Device.objects.get(id=carer.device_id).clock_skew
    assert -2 * 86400 - 5 <= skew <= -2 * 86400
    manager = make_api()
    manager.login("manager")
    row = {d["id"]: d for d in _devices(manager, centre.facility.id).json()["items"]}[
        carer.device_id
    ]
    assert row["warnings"] == ["clock"]
    assert row["clock_skew"] == skew
    _sync(carer, {"version": "v1", "queued": 0, "clock": _now_ms()})
    row = {d["id"]: d for d in _devices(manager, centre.facility.id).json()["items"]}[
        carer.device_id
    ]
    assert row["warnings"] == [] and abs(row["clock_skew"]) <= 5


def test_clock_readings_a_few_seconds_apart_write_nothing(centre, make_api):
    carer = make_api()
    carer.login("carer")
    assert _device_updates(carer, {"version": "v1", "queued": 0, "clock": _now_ms()}) == 1
    # The next call's reading differs by the time on the wire: nothing to write.
    assert _device_updates(carer, {"version": "v1", "queued": 0, "clock": _now_ms() + 3000}) == 0
    assert (
        _device_updates(carer, {"version": "v1", "queued": 0, "clock": _now_ms() + 3_600_000}) == 1
    )
