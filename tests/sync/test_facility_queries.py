"""Every hot query of a sync call names its facility, so the data can be distributed by
facility_id later (docs/performance.md, "Distributing by facility"). Queries are captured
through the real endpoint, for a push of each event kind and for a pull; the few that
cannot name a facility are allow-listed below, each with its reason."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sync import registry
from sync.models import Conflict
from tests import stock_helpers as stock
from tests.events import event
from tests.factories import MedicationOrderFactory, ResidentFactory, TaskFactory

# Table → why its queries name no facility. Nothing else may.
ALLOWED = {
    "accounts_devicetoken": "the bearer token, looked up by its hash before any facility is known",
    "accounts_device": "the token's device: one row per phone, joined to the token",
    "accounts_user": "the token's user: a person may belong to several facilities",
    "accounts_membership": "the scope: which facilities the user belongs to is what it finds",
    "accounts_membership_areas": "the scope's areas, joined to the memberships",
    "sync_epoch": "one row per database (a reference table under distribution)",
    "sync_eventlog": (
        "repeats are found by event id before the event is decided; a rejected event has no"
        " facility (the id is a UUID: a distributed lookup by it is one index probe per shard)"
    ),
}
# Domain queries that could name the facility and do not yet: each looks a record up (or
# voids it) by the UUID the phone made, without its facility. Owned by the apps, not the
# engine; the test fails when one is no longer needed, so the list can only shrink.
DEBT = {
    "care_note": "server/care: note.add checks its note id is new; record.void updates by id",
    "meds_medicationadministration": "server/meds: med.administer checks its id is new",
    "kitchen_foodsample": "server/kitchen: food_sample.record checks its id is new",
    "kitchen_foodcheck": "server/kitchen: food_check.record checks its id is new",
    "kitchen_fridgereading": "server/kitchen: fridge.reading checks its id is new",
    "hygiene_disinfectionrecord": "server/hygiene: disinfection.record checks its id is new",
}
_TABLE = re.compile(r'(?:FROM|JOIN|UPDATE|INTO)\s+"(\w+)"', re.IGNORECASE)
_STATEMENT = re.compile(r"^\s*(SELECT|UPDATE|DELETE|INSERT|WITH)", re.IGNORECASE)


def _unnamed(queries: list[dict], debts: set[str]) -> list[str]:
    """The statements that neither name facility_id nor touch only allow-listed tables;
    the debt tables they touch are added to `debts`."""
    out = []
    for query in queries:
        sql = query["sql"]
        if not _STATEMENT.match(sql) or "facility_id" in sql:
            continue
        tables = set(_TABLE.findall(sql))
        debts |= tables & set(DEBT)
        if not tables or not tables <= set(ALLOWED) | set(DEBT):
            out.append(sql[:300])
    return out


def _capture(
    client, events: list[dict], cursor: str | None = None, debts: set[str] | None = None
) -> tuple[list[str], dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.sync(events, cursor=cursor)
    assert response.status_code == 200, response.content
    return _unnamed(captured.captured_queries, set() if debts is None else debts), response.json()


def _kinds(centre, resident, ward) -> list[tuple[str, str, dict]]:
    """(who, name, args) for one event of every kind the server registers."""
    now = timezone.now()
    meal = TaskFactory(resident=resident)
    bulk_meal = TaskFactory(resident=resident)
    sample = str(uuid.uuid4())
    note = str(uuid.uuid4())
    med = stock.medicine(centre.facility)
    conflict = Conflict.objects.create(
        facility_id=centre.facility.id,
        kind="test",
        subject_type="task",
        subject_id=meal.id,
        opened_at=now,
    )
    return [
        ("carer", "task.complete", {"task_id": meal.id, "outcome": "done"}),
        (
            "carer",
            "task.complete_bulk",
            {
                "area_id": centre.elderly.id,
                "local_date": str(bulk_meal.local_date),
                "slot": bulk_meal.slot,
            },
        ),
        (
            "carer",
            "note.add",
            {"note_id": note, "kind": "handover", "text": "Bàn giao", "resident_id": resident.id},
        ),  # fmt: skip
        ("nurse", "record.void", {"record_type": "note", "record_id": note, "reason": "nhầm"}),
        (
            "nurse",
            "resident.update",
            {
                "resident_id": resident.id,
                "base_version": resident.version,
                "fields": {"room": "B2"},
            },
        ),  # fmt: skip
        (
            "nurse",
            "med.administer",
            {
                "administration_id": str(uuid.uuid4()),
                "order_id": ward.id,
                "prn": True,
                "outcome": "given",
            },
        ),  # fmt: skip
        ("nurse", "resident.transfer", {"resident_id": resident.id, "status": "in_hospital"}),
        (
            "kitchen",
            "food_sample.record",
            {
                "sample_id": sample,
                "meal": "lunch",
                "dish": "Cơm",
                "quantity": 120,
                "unit": "g",
                "taken_at": now.isoformat(),
            },
        ),  # fmt: skip
        ("kitchen", "food_sample.hold", {"sample_id": sample, "reason": "Nghi ngộ độc"}),
        ("manager", "food_sample.release", {"sample_id": sample, "reason": "Đã xét nghiệm"}),
        (
            "kitchen",
            "food_sample.discard",
            {"sample_id": sample, "at": (now + timedelta(days=2)).isoformat()},
        ),  # fmt: skip
        (
            "kitchen",
            "food_check.record",
            {"check_id": str(uuid.uuid4()), "meal": "lunch", "step": 1, "result": "ok"},
        ),  # fmt: skip
        ("kitchen", "fridge.reading", {"reading_id": str(uuid.uuid4()), "temp_c": 4}),
        (
            "kitchen",
            "vehicle.trip",
            {
                "trip_id": str(uuid.uuid4()),
                "area_id": centre.vehicle.id,
                "returned_at": now.isoformat(),
            },
        ),  # fmt: skip
        (
            "kitchen",
            "disinfection.record",
            {
                "record_id": str(uuid.uuid4()),
                "target": "kitchen",
                "area_id": centre.kitchen_area.id,
                "concentration_pct": 0.25,
            },
        ),  # fmt: skip
        ("manager", "conflict.resolve", {"conflict_id": conflict.id, "resolution": "keep_first"}),
        ("nurse", "stock.receive", stock.receive(med, 30)["args"]),
        ("nurse", "stock.count", stock.count(med, 29)["args"]),
        ("nurse", "stock.adjust", stock.adjust(med, -1)["args"]),
    ]


def test_every_query_of_a_push_of_each_kind_and_of_a_pull_names_its_facility(centre, make_api):
    resident = ResidentFactory(area=centre.elderly)
    ward = MedicationOrderFactory(resident=resident, prn=True)
    kinds = _kinds(centre, resident, ward)
    served = {n for n in registry.registered_names() if not n.startswith("test.")}  # tests' own
    assert {name for _, name, _ in kinds} == served, "a kind is missing"
    phones = {}
    unnamed: dict[str, list[str]] = {}
    debts: set[str] = set()
    for who, name, args in kinds:
        if who not in phones:
            phones[who] = make_api()
            phones[who].login(who)
            _, first = _capture(phones[who], [])  # the first pull, from a null cursor
            phones[who].cursor = first["cursor"]
        queries, body = _capture(phones[who], [event(name, args)], phones[who].cursor, debts)
        result = body["results"][0]
        # The handler ran (a domain refusal is fine; a malformed test event is not).
        assert result.get("code") not in ("invalid_args", "unknown_event", "forbidden"), (
            name,
            result,
        )
        phones[who].cursor = body["cursor"]
        if queries:
            unnamed[name] = queries
    # A pull with changes to send, from the start and from a cursor.
    nurse = make_api()
    nurse.login("nurse")
    queries, body = _capture(nurse, [])
    assert body["changes"]
    if queries:
        unnamed["pull from null"] = queries
    queries, _ = _capture(nurse, [], body["cursor"])
    if queries:
        unnamed["pull from a cursor"] = queries
    assert debts == set(DEBT), f"no longer needed, remove from DEBT: {set(DEBT) - debts}"
    assert not unnamed, "\n\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in unnamed.items())
