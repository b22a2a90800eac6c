"""Looking back at a finished shift, and who is on shift: through the real socket
(WebsocketCommunicator), with pushes through the real sync endpoint."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from server.care.models import ResidentTransfer
from server.care.sweep import missed_sweep_run
from server.live.dashboard.snapshot import facility_shift, facility_shift_on
from server.rota.models import RotaEntry
from sync.models import Conflict
from tests.events import event
from tests.factories import MedicationOrderFactory, ResidentFactory, TaskFactory, UserFactory
from tests.live.test_dashboard_socket import closed_with, open_dashboard, token_for
from tests.personas import make_centre

pytestmark = pytest.mark.django_db(transaction=True)


def yesterday_day_shift(facility):
    today = timezone.now().astimezone(facility_shift(facility, timezone.now()).start.tzinfo)
    return facility_shift_on(facility, today.date() - timedelta(days=1), "day")


def at(shift, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(shift.local_date(), time(hh, mm), tzinfo=shift.start.tzinfo)


@pytest.fixture
def yesterday(transactional_db):
    """Yesterday's day shift at the centre: a dose nobody gave (the sweep marks it missed), a
    double dose opened and resolved, a resident in hospital from 10:00 to 14:00, the rota."""
    centre = make_centre()
    shift = yesterday_day_shift(centre.facility)
    resident = ResidentFactory(area=centre.elderly, full_name="Ông Năm", room="P3")
    order = MedicationOrderFactory(resident=resident, drug="Amlodipin 5mg")
    TaskFactory(
        resident=resident,
        order=order,
        kind="medication",
        title="Amlodipin 5mg",
        local_date=shift.local_date(),
        slot="08:00",
        due_at=at(shift, 8),
    )
    missed_sweep_run()
    away = ResidentFactory(area=centre.elderly, full_name="Bà Sáu", room="P4")
    for hh, status, previous, place in (
        (10, "in_hospital", "present", "Bệnh viện tỉnh"),
        (14, "present", "in_hospital", ""),
    ):
        ResidentTransfer.objects.create(
            facility=centre.facility,
            resident=away,
            status=status,
            previous_status=previous,
            place=place,
            by=centre.nurse,
            at=at(shift, hh),
        )
    Conflict.objects.create(
        facility_id=centre.facility.id,
        area_id=centre.elderly.id,
        kind="double_dose",
        severity="high",
        status="resolved",
        subject_type="task",
        subject_id=uuid.uuid4(),
        message="Cho thuốc hai lần",
        opened_at=at(shift, 9),
        resolved_at=at(shift, 9, 30),
    )
    entry = RotaEntry.objects.create(
        facility=centre.facility, date=shift.local_date(), shift="day", user=centre.carer
    )
    entry.areas.set([centre.elderly])
    return centre, shift


async def dashboard_now(facility_id, username: str = "manager"):
    comm = await open_dashboard(facility_id, await database_sync_to_async(token_for)(username))
    assert (await comm.receive_json_from(timeout=3))["type"] == "ready"
    now = await comm.receive_json_from(timeout=5)
    assert now["type"] == "snapshot" and now["past"] is False
    return comm, now


async def test_a_manager_sees_yesterdays_day_shift_with_its_missed_dose(yesterday, make_api):
    centre, shift = yesterday
    comm, now = await dashboard_now(centre.facility.id)
    assert now["previous"]["shift"] in ("day", "night") and now["shifts"] == ["day", "night"]
    assert not any(d["title"] == "Amlodipin 5mg" for d in now["sections"]["doses"].values())

    await comm.send_json_to(
        {"type": "view", "date": shift.local_date().isoformat(), "shift": "day"}
    )
    past = await comm.receive_json_from(timeout=5)
    assert past["type"] == "snapshot" and past["past"] is True
    assert past["shift"]["date"] == shift.local_date().isoformat()
    assert past["shift"]["name"] == "day"
    doses = list(past["sections"]["doses"].values())
    assert [(d["title"], d["resident"], d["state"]) for d in doses] == [
        ("Amlodipin 5mg", "Ông Năm", "missed")
    ]
    tile = past["sections"]["tiles"][f"{centre.elderly.id}|medication"]
    assert (tile["total"], tile["missed"]) == (1, 1)
    conflicts = list(past["sections"]["conflicts"].values())
    assert [(c["kind"], c["status"], c["alarm"]) for c in conflicts] == [
        ("double_dose", "resolved", False)
    ]
    away = list(past["sections"]["away"].values())
    assert [(r["name"], r["status"], r["place"]) for r in away] == [
        ("Bà Sáu", "in_hospital", "Bệnh viện tỉnh")
    ]
    assert past["sections"]["staffing"][str(centre.elderly.id)]["carers"] == ["Người carer"]

    # While looking back, a push today sends nothing to this socket...
    task = await database_sync_to_async(TaskFactory)(
        resident=await database_sync_to_async(ResidentFactory)(area=centre.elderly)
    )
    carer = make_api()
    await database_sync_to_async(carer.login)("carer")
    await database_sync_to_async(carer.sync)(
        [event("task.complete", {"task_id": task.id, "outcome": "done"})]
    )
    assert await comm.receive_nothing(timeout=1)
    # ...and asking for a snapshot brings it back to now, with the push in it.
    await comm.send_json_to({"type": "snapshot"})
    back = await comm.receive_json_from(timeout=5)
    assert back["past"] is False
    assert back["sections"]["tiles"][f"{centre.elderly.id}|meal"]["done"] == 1
    await comm.disconnect()


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"date": "hôm qua", "shift": "day"}, "view_bad_date"),
        ({"date": None, "shift": "day"}, "view_bad_date"),
        ({"date": "0001-01-01", "shift": "day"}, "view_bad_date"),
        ({"date": "2026-01-01", "shift": "evening"}, "view_bad_shift"),
        ({"date": "2026-01-01", "shift": ["day"]}, "view_bad_shift"),
        ({"date": "2999-01-01", "shift": "day"}, "view_future"),
    ],
)
async def test_it_refuses_a_view_it_cannot_give_and_stays_live(yesterday, message, code):
    centre, _ = yesterday
    comm, _ = await dashboard_now(centre.facility.id)
    await comm.send_json_to({"type": "view", **message})
    refused = await comm.receive_json_from(timeout=5)
    assert (refused["type"], refused["code"]) == ("error", code)
    assert refused["message"] and refused["message"].isascii() is False  # Vietnamese
    await comm.send_json_to({"type": "ping"})
    assert (await comm.receive_json_from(timeout=3))["type"] == "pong"
    await comm.disconnect()


@pytest.mark.parametrize("username", ["carer", "outsider"])
async def test_a_carer_or_another_centres_manager_cannot_look_back(yesterday, username):
    centre, shift = yesterday
    comm = await open_dashboard(
        centre.facility.id, await database_sync_to_async(token_for)(username)
    )
    await comm.send_json_to(
        {"type": "view", "date": shift.local_date().isoformat(), "shift": "day"}
    )
    assert await closed_with(comm) == 4403


async def test_another_centres_manager_sees_only_their_own_past(yesterday):
    centre, shift = yesterday
    comm, _ = await dashboard_now(centre.other_facility.id, "outsider")
    await comm.send_json_to(
        {"type": "view", "date": shift.local_date().isoformat(), "shift": "day"}
    )
    past = await comm.receive_json_from(timeout=5)
    assert past["past"] is True
    sections = past["sections"]
    assert sections["doses"] == sections["conflicts"] == sections["away"] == {}
    await comm.disconnect()


async def test_the_rota_says_who_is_on_shift_not_who_recorded(yesterday, make_api):
    centre, _ = yesterday
    now_shift = await database_sync_to_async(facility_shift)(centre.facility, timezone.now())
    entry = await database_sync_to_async(RotaEntry.objects.create)(
        facility=centre.facility,
        date=now_shift.local_date(),
        shift=now_shift.name,
        user=centre.carer_children,
    )
    await database_sync_to_async(entry.areas.set)([centre.children])
    comm, now = await dashboard_now(centre.facility.id)
    staffing = now["sections"]["staffing"]
    assert staffing[str(centre.children.id)]["carers"] == ["Người carer_children"]
    assert staffing[str(centre.elderly.id)]["carers"] == []  # yesterday's rota is not today's
    assert staffing["total"]["on_shift"] == 1

    task = await database_sync_to_async(TaskFactory)(
        resident=await database_sync_to_async(ResidentFactory)(area=centre.elderly)
    )
    carer = make_api()
    await database_sync_to_async(carer.login)("carer")
    await database_sync_to_async(carer.sync)(
        [event("task.complete", {"task_id": task.id, "outcome": "done"})]
    )
    delta = await comm.receive_json_from(timeout=5)
    item = delta["sections"]["staffing"]["set"][str(centre.elderly.id)]
    assert (item["on_shift"], item["off_rota"]) == (0, ["Người carer"])
    await comm.disconnect()


async def test_adults_count_against_the_facilitys_own_norms(yesterday):
    centre, _ = yesterday
    facility = centre.facility
    facility.settings = {
        **facility.settings,
        "staffing_norms": [
            {
                "key": "adult",
                "label": "Người lớn",
                "min_months": 192,
                "max_months": 1800,
                "disabled": None,
                "per_carer": 2,
            }
        ],
    }
    await database_sync_to_async(facility.save)(update_fields=["settings"])
    # present now in the elderly area: Ông Năm and Bà Sáu (back from hospital), and one more
    await database_sync_to_async(ResidentFactory)(area=centre.elderly, birth_date=date(1941, 3, 2))
    comm, now = await dashboard_now(facility.id)
    item = now["sections"]["staffing"][str(centre.elderly.id)]
    assert [(g["key"], g["residents"], g["required"]) for g in item["groups"]] == [("adult", 3, 2)]
    assert (item["required"], item["short"]) == (2, 2)
    await comm.disconnect()


async def test_adults_count_by_default_as_the_centres_own_setting(yesterday):
    centre, _ = yesterday
    comm, now = await dashboard_now(centre.facility.id)
    item = now["sections"]["staffing"][str(centre.elderly.id)]
    assert [(g["key"], g["residents"], g["per_carer"]) for g in item["groups"]] == [
        ("adult", 2, 10)
    ]
    assert item["required"] == 1
    await comm.disconnect()


async def test_a_rota_edit_during_the_shift_reaches_an_open_dashboard(yesterday):
    centre, _ = yesterday
    comm, now = await dashboard_now(centre.facility.id)
    assert now["sections"]["staffing"][str(centre.children.id)]["carers"] == []
    shift = await database_sync_to_async(facility_shift)(centre.facility, timezone.now())
    entry = await database_sync_to_async(RotaEntry.objects.create)(
        facility=centre.facility, date=shift.local_date(), shift=shift.name, user=centre.carer
    )
    await database_sync_to_async(entry.areas.set)([centre.children])
    # one fresh snapshot per committed write: the entry, then its areas
    first, second = [await comm.receive_json_from(timeout=5) for _ in range(2)]
    assert (first["type"], first["past"], second["type"], second["past"]) == (
        "snapshot",
        False,
        "snapshot",
        False,
    )
    assert second["sections"]["staffing"][str(centre.children.id)]["carers"] == ["Người carer"]
    assert await comm.receive_nothing(timeout=0.5)
    await comm.disconnect()


def _sample(centre, shift, dish: str, **fields):
    from server.kitchen.models import FoodSample

    return FoodSample.objects.create(
        id=uuid.uuid4(),
        facility=centre.facility,
        meal="breakfast",
        meal_date=shift.local_date() - timedelta(days=1),
        dish=dish,
        quantity=120,
        unit="g",
        taken_at=at(shift, 6) - timedelta(days=1),
        keep_until=at(shift, 12),
        taken_by=centre.kitchen,
        **fields,
    )


def test_a_past_shift_shows_its_samples_as_they_stood_when_it_ended(yesterday):
    from server.live.dashboard.snapshot import dashboard_snapshot

    centre, shift = yesterday
    _sample(centre, shift, "Cháo thịt", discarded_at=timezone.now(), discarded_by=centre.kitchen)
    _sample(centre, shift, "Canh bí", discarded_at=at(shift, 12, 30), discarded_by=centre.kitchen)
    past = dashboard_snapshot(facility_id=centre.facility.id, now=timezone.now(), shift=shift)
    due = [s["dish"] for s in past.snapshot()["sections"]["samples_due"].values()]
    # discarded only today: still in the fridge when yesterday's day shift ended
    assert due == ["Cháo thịt"]


def test_a_past_shift_is_read_in_a_fixed_number_of_queries(yesterday):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from server.live.dashboard.snapshot import dashboard_snapshot

    centre, shift = yesterday

    def read():
        return dashboard_snapshot(facility_id=centre.facility.id, now=timezone.now(), shift=shift)

    with CaptureQueriesContext(connection) as few:
        read()
    for n in range(10):
        resident = ResidentFactory(area=centre.children, full_name=f"Bé {n}")
        TaskFactory(resident=resident, local_date=shift.local_date(), due_at=at(shift, 11))
        ResidentTransfer.objects.create(
            facility=centre.facility,
            resident=resident,
            status="on_leave",
            previous_status="present",
            by=centre.nurse,
            at=at(shift, 7),
        )
        entry = RotaEntry.objects.create(
            facility=centre.facility,
            date=shift.local_date(),
            shift="day",
            user=centre.carer_children if n == 0 else UserFactory(),
        )
        entry.areas.set([centre.children])
    with CaptureQueriesContext(connection) as more:
        sections = read().snapshot()["sections"]
    assert len(more) == len(few)
    assert len(sections["away"]) == 11
    assert len(sections["staffing"][str(centre.children.id)]["carers"]) == 10
