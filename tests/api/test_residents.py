"""resident.update and resident.transfer through the real sync endpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from server.care.models import Resident, ResidentTransfer, TaskInstance
from sync.models import Change, Conflict, EventLog
from tests.events import event
from tests.factories import AreaFactory, ResidentFactory, TaskFactory


def phone(make_api, username: str):
    client = make_api()
    client.login(username)
    return client


def push(client, *events) -> list[dict]:
    response = client.sync(list(events))
    assert response.status_code == 200, response.content
    return response.json()["results"]


def update(resident, fields: dict, *, base: int | None = None, hlc: str = "", at=None) -> dict:
    ev = event(
        "resident.update",
        {
            "resident_id": resident.id,
            "fields": fields,
            "base_version": resident.version if base is None else base,
        },
        at=at,
    )
    ev["hlc"] = hlc
    return ev


def stamp(minutes_ago: int, node: str) -> str:
    millis = int((timezone.now() - timedelta(minutes=minutes_ago)).timestamp() * 1000)
    return f"{millis:013d}-0000-{node}"


@pytest.fixture
def resident(centre) -> Resident:
    return ResidentFactory(
        area=centre.elderly, full_name="Nguyễn Thị Tư", room="P3", diet_note="ăn cháo"
    )


def test_it_updates_fields_bumps_the_version_and_syncs_the_resident(centre, resident, make_api):
    nurse, carer = phone(make_api, "nurse"), phone(make_api, "carer")
    ev = update(resident, {"room": "P7", "diet_note": "ăn mềm, ít muối", "severe_disability": True})
    assert push(nurse, ev) == [{"id": ev["id"], "status": "applied"}]
    resident.refresh_from_db()
    assert (resident.room, resident.diet_note, resident.severe_disability, resident.version) == (
        "P7",
        "ăn mềm, ít muối",
        True,
        2,
    )
    assert resident.field_hlc["room"]["v"] == 2 and resident.field_hlc["room"]["by"] == str(
        centre.nurse.id
    )
    pulled = next(c for c in carer.sync().json()["changes"] if c["type"] == "resident")
    assert pulled["data"]["room"] == "P7" and pulled["version"] == 2


def test_it_answers_merged_when_nothing_changes(resident, make_api):
    assert (
        push(phone(make_api, "manager"), update(resident, {"room": "P3"}))[0]["status"] == "merged"
    )


@pytest.mark.parametrize("first", ["nurse", "manager"])
def test_it_keeps_the_later_edit_by_hlc_and_opens_concurrent_edit_in_either_order(
    centre, resident, make_api, first
):
    phones = {"nurse": phone(make_api, "nurse"), "manager": phone(make_api, "manager")}
    # Both edited the room offline from version 1; the manager's edit is the later by HLC.
    events = {
        "nurse": update(resident, {"room": "P8"}, hlc=stamp(20, "nurse-phone")),
        "manager": update(
            resident, {"room": "P9", "diet_note": "ăn thường"}, hlc=stamp(5, "manager-phone")
        ),
    }
    second = "manager" if first == "nurse" else "nurse"
    assert push(phones[first], events[first])[0]["status"] == "applied"
    result = push(phones[second], events[second])[0]
    assert (result["status"], result["code"]) == ("conflict", "concurrent_edit")
    resident.refresh_from_db()
    assert (resident.room, resident.diet_note) == ("P9", "ăn thường")
    manager = phones["manager"]
    [conflict] = manager.get("/api/conflicts?status=open&kind=concurrent_edit").json()["items"]
    assert conflict["subject_id"] == str(resident.id)
    assert set(conflict["event_ids"]) == {events["nurse"]["id"], events["manager"]["id"]}
    [clash] = conflict["details"]["fields"]
    assert (clash["field"], clash["kept"], clash["lost"]) == ("room", "P9", "P8")
    assert clash["lost_by"] == str(centre.nurse.id)


def test_it_merges_different_fields_edited_concurrently_without_conflict(resident, make_api):
    nurse, manager = phone(make_api, "nurse"), phone(make_api, "manager")
    assert push(nurse, update(resident, {"room": "P8"}, base=1))[0]["status"] == "applied"
    assert (
        push(manager, update(resident, {"diet_note": "ăn thường"}, base=1))[0]["status"]
        == "applied"
    )
    resident.refresh_from_db()
    assert (resident.room, resident.diet_note, resident.version) == ("P8", "ăn thường", 3)
    assert Conflict.objects.count() == 0


def test_it_moves_open_tasks_with_a_resident_who_changes_area(centre, resident, make_api):
    task = TaskFactory(resident=resident)
    ev = update(resident, {"area_id": str(centre.children.id)})
    assert push(phone(make_api, "manager"), ev)[0]["status"] == "applied"
    task.refresh_from_db()
    assert task.area_id == centre.children.id
    pulled = phone(make_api, "carer_children").sync().json()["changes"]
    assert {c["id"] for c in pulled} >= {str(resident.id), str(task.id)}


def _counts() -> dict:
    return {
        "changes": Change.objects.count(),
        "conflicts": Conflict.objects.count(),
        "transfers": ResidentTransfer.objects.count(),
        "residents": list(
            Resident.objects.order_by("id").values_list("version", "room", "status", "area_id")
        ),
        "tasks": list(TaskInstance.objects.order_by("id").values_list("status", "version")),
    }


BAD_UPDATES = [
    ("carer", lambda c, r: update(r, {"room": "P1"}), "forbidden"),
    ("kitchen", lambda c, r: update(r, {"room": "P1"}), "not_found"),
    ("outsider", lambda c, r: update(r, {"room": "P1"}), "not_found"),
    ("nurse", lambda c, r: update(r, {"status": "deceased"}), "invalid_args"),
    ("nurse", lambda c, r: update(r, {"facility_id": str(c.other_facility.id)}), "invalid_args"),
    ("nurse", lambda c, r: update(r, {}), "invalid_args"),
    ("nurse", lambda c, r: update(r, {"room": 12}), "invalid_args"),
    ("nurse", lambda c, r: update(r, {"severe_disability": "có"}), "invalid_args"),
    ("nurse", lambda c, r: update(r, {"categories": ["wizard"]}), "invalid_args"),
    ("nurse", lambda c, r: update(r, {"full_name": ""}), "invalid_args"),
    ("nurse", lambda c, r: update(r, {"area_id": None}), "invalid_args"),
    (
        "nurse",
        lambda c, r: {
            **update(r, {"room": "P1"}),
            "args": {"resident_id": str(r.id), "fields": {"room": "P1"}},
        },
        "invalid_args",
    ),
    ("nurse", lambda c, r: update(r, {"room": "P1"}, base=9), "invalid_args"),
    (
        "nurse",
        lambda c, r: update(r, {"area_id": str(AreaFactory(facility=c.other_facility).id)}),
        "not_found",
    ),
    (
        "nurse",
        lambda c, r: update(ResidentFactory(area__facility=c.other_facility), {"room": "P1"}),
        "not_found",
    ),
]


@pytest.mark.parametrize(("who", "build", "code"), BAD_UPDATES)
def test_it_rejects_a_bad_update_with_its_code_and_changes_nothing(
    centre, resident, make_api, who, build, code
):
    ev = build(centre, resident)
    client = phone(make_api, who)
    before = _counts()
    [result] = push(client, ev)
    assert (result["status"], result["code"]) == ("rejected", code), result
    assert result["message"]
    assert _counts() == before
    assert EventLog.objects.get(id=ev["id"]).status == "rejected"


@pytest.fixture
def day(resident):
    """Three doses of one day: one two hours ago (done), one in an hour, one in five hours."""
    now = timezone.now()
    return [
        TaskFactory(
            resident=resident, kind="medication", due_at=now - timedelta(hours=2), status="done"
        ),
        TaskFactory(resident=resident, kind="medication", due_at=now + timedelta(hours=1)),
        TaskFactory(resident=resident, kind="meal", due_at=now + timedelta(hours=5)),
    ]


@pytest.fixture
def earlier_day(resident):
    """The same day seen from its evening: doses 8 h and 5 h ago, a meal an hour ago (still
    open). Moves are dated in the past: a device time ahead of the server is judged at
    receipt (docs/care-events.md), so a future move cannot be told in advance."""
    now = timezone.now()
    return [
        TaskFactory(
            resident=resident, kind="medication", due_at=now - timedelta(hours=8), status="done"
        ),
        TaskFactory(resident=resident, kind="medication", due_at=now - timedelta(hours=5)),
        TaskFactory(resident=resident, kind="meal", due_at=now - timedelta(hours=1)),
    ]


def _statuses(tasks) -> list[str]:
    return [TaskInstance.objects.get(id=t.id).status for t in tasks]


def test_it_marks_later_open_tasks_away_in_hospital_and_pending_again_on_return(
    centre, resident, earlier_day, make_api
):
    day = earlier_day
    nurse, carer = phone(make_api, "nurse"), phone(make_api, "carer")
    out = event(
        "resident.transfer",
        {
            "resident_id": resident.id,
            "status": "in_hospital",
            "place": "BV Đa khoa tỉnh",
            "reason": "sốt cao",
            "escort_id": str(centre.carer.id),
        },
        at=timezone.now() - timedelta(hours=6),
    )
    assert push(nurse, out)[0]["status"] == "applied"
    resident.refresh_from_db()
    assert (resident.status, resident.status_place) == ("in_hospital", "BV Đa khoa tỉnh")
    assert _statuses(day) == ["done", "away", "away"]
    transfer = ResidentTransfer.objects.get()
    assert (transfer.previous_status, transfer.escort_id, str(transfer.event_id)) == (
        "present",
        centre.carer.id,
        out["id"],
    )
    pulled = carer.sync().json()["changes"]
    assert {c["id"]: c["data"]["status"] for c in pulled if c["type"] == "task"} == {
        str(day[1].id): "away",
        str(day[2].id): "away",
    }
    assert next(c for c in pulled if c["type"] == "resident")["data"]["status"] == "in_hospital"

    back = event(
        "resident.transfer",
        {"resident_id": resident.id, "status": "present"},
        at=timezone.now() - timedelta(hours=3),
    )
    assert push(nurse, back)[0]["status"] == "applied"
    assert _statuses(day) == [
        "done",
        "away",
        "pending",
    ]  # back after the second dose, before the meal
    resident.refresh_from_db()
    assert resident.status == "present"


def test_it_closes_later_tasks_when_a_resident_is_discharged(resident, day, make_api):
    ev = event(
        "resident.transfer",
        {"resident_id": resident.id, "status": "discharged", "reason": "tái hòa nhập"},
    )
    assert push(phone(make_api, "manager"), ev)[0]["status"] == "applied"
    assert _statuses(day) == ["done", "not_applicable", "not_applicable"]


def test_it_answers_merged_to_a_second_phone_reporting_the_same_move(resident, make_api):
    nurse, manager = phone(make_api, "nurse"), phone(make_api, "manager")
    push(nurse, event("resident.transfer", {"resident_id": resident.id, "status": "on_leave"}))
    again = push(
        manager, event("resident.transfer", {"resident_id": resident.id, "status": "on_leave"})
    )
    assert again[0]["status"] == "merged"
    assert ResidentTransfer.objects.count() == 2  # both reports are on the record
    resident.refresh_from_db()
    assert (resident.status, resident.version) == ("on_leave", 2)


def test_it_applies_a_late_arriving_older_transfer_to_its_own_period_only(
    resident, earlier_day, make_api
):
    day = earlier_day
    nurse, manager = phone(make_api, "nurse"), phone(make_api, "manager")
    now = timezone.now()
    # The return (3 h ago) syncs first; the departure (6 h ago) arrives later from another phone.
    back = event(
        "resident.transfer",
        {"resident_id": resident.id, "status": "present"},
        at=now - timedelta(hours=3),
    )
    out = event(
        "resident.transfer",
        {"resident_id": resident.id, "status": "in_hospital"},
        at=now - timedelta(hours=6),
    )
    assert push(manager, back)[0]["status"] == "merged"  # she was present then, as far as we knew
    assert push(nurse, out)[0]["status"] == "applied"
    resident.refresh_from_db()
    assert resident.status == "present"
    assert _statuses(day) == ["done", "away", "pending"]


BAD_TRANSFERS = [
    ("carer", {"status": "in_hospital"}, "forbidden"),
    ("outsider", {"status": "in_hospital"}, "not_found"),
    ("nurse", {"status": "abroad"}, "invalid_args"),
    ("nurse", {}, "invalid_args"),
    ("nurse", {"status": "in_hospital", "escort_id": "not-a-uuid"}, "invalid_args"),
    ("nurse", {"status": "in_hospital", "place": ["BV"]}, "invalid_args"),
    ("nurse", {"status": "in_hospital", "escort_id": "OUTSIDER"}, "not_found"),
]


@pytest.mark.parametrize(("who", "args", "code"), BAD_TRANSFERS)
def test_it_rejects_a_bad_transfer_with_its_code_and_changes_nothing(
    centre, resident, day, make_api, who, args, code
):
    if args.get("escort_id") == "OUTSIDER":
        args = {**args, "escort_id": str(centre.outsider.id)}
    client = phone(make_api, who)
    before = _counts()
    ev = event("resident.transfer", {"resident_id": resident.id, **args})
    [result] = push(client, ev)
    assert (result["status"], result["code"]) == ("rejected", code), result
    assert _counts() == before


def test_it_rejects_a_transfer_of_another_centres_resident(centre, make_api):
    stranger = ResidentFactory(area__facility=centre.other_facility)
    before = _counts()
    [result] = push(
        phone(make_api, "manager"),
        event("resident.transfer", {"resident_id": stranger.id, "status": "deceased"}),
    )
    assert (result["status"], result["code"]) == ("rejected", "not_found")
    assert _counts() == before
