"""med.administer through the real sync endpoint, one or two phones (ApiClient logins)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from server.care.models import ResidentTransfer, TaskInstance
from server.meds.models import MedicationAdministration, MedicationOrder, MedicationVoid
from sync.models import Change, Conflict, EventLog
from tests.events import event
from tests.factories import MedicationOrderFactory, ResidentFactory, TaskFactory


@dataclass
class Ward:
    resident: object
    order: MedicationOrder  # once daily, 07:00: a ±120 min window
    task: TaskInstance  # its dose due now
    prn: MedicationOrder  # every 4 h at most, 3 a day at most
    controlled: MedicationOrder
    controlled_task: TaskInstance


@pytest.fixture
def ward(centre) -> Ward:
    resident = ResidentFactory(area=centre.elderly, full_name="Lê Văn Ba")
    order = MedicationOrderFactory(resident=resident)
    prn = MedicationOrderFactory(
        resident=resident,
        drug="Paracetamol 500mg",
        times=[],
        prn=True,
        min_interval_minutes=240,
        max_per_24h=3,
    )
    controlled = MedicationOrderFactory(
        resident=resident, drug="Haloperidol 1,5mg", controlled=True
    )
    return Ward(
        resident=resident,
        order=order,
        prn=prn,
        controlled=controlled,
        task=TaskFactory(
            resident=resident, kind="medication", order=order, title="Amlodipin 07:00"
        ),
        controlled_task=TaskFactory(
            resident=resident, kind="medication", order=controlled, title="Haloperidol"
        ),
    )


def give(order, *, task=None, outcome="given", at=None, **extra) -> dict:
    args = {
        "administration_id": str(uuid.uuid4()),
        "order_id": order.id,
        "outcome": outcome,
        **extra,
    }
    if task is not None:
        args["task_id"] = task.id
    elif "task_id" not in extra:
        args["prn"] = True
    return event("med.administer", args, at=at)


def push(client, *events) -> list[dict]:
    response = client.sync(list(events))
    assert response.status_code == 200, response.content
    return response.json()["results"]


def phone(make_api, username: str):
    client = make_api()
    client.login(username)
    return client


def open_conflicts(make_api, kind: str) -> list[dict]:
    manager = phone(make_api, "manager")
    response = manager.get(f"/api/conflicts?status=open&kind={kind}")
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_it_records_a_scheduled_dose_marks_the_task_done_and_syncs_both(centre, ward, make_api):
    nurse, carer = phone(make_api, "nurse"), phone(make_api, "carer")
    ev = give(ward.order, task=ward.task, dose="1 viên", note="uống với nước")
    assert push(nurse, ev) == [{"id": ev["id"], "status": "applied"}]
    ward.task.refresh_from_db()
    assert (ward.task.status, ward.task.done_by_id, str(ward.task.done_event)) == (
        "done",
        centre.nurse.id,
        ev["id"],
    )
    changes = carer.sync().json()["changes"]
    admin = next(c for c in changes if c["type"] == "med_administration")
    assert admin["id"] == ev["args"]["administration_id"]
    assert admin["data"]["outcome"] == "given" and admin["data"]["void"] is False
    assert admin["data"]["task_id"] == str(ward.task.id) and admin["data"]["by"] == str(
        centre.nurse.id
    )
    assert {"order_id", "resident_id", "dose", "at", "witness_id", "flags"} <= set(admin["data"])
    task = next(c for c in changes if c["type"] == "task" and c["id"] == str(ward.task.id))
    assert task["data"]["status"] == "done"


@pytest.mark.parametrize("first", ["nurse", "carer"])
def test_it_opens_a_high_severity_double_dose_in_either_arrival_order(
    centre, ward, make_api, first
):
    phones = {"nurse": phone(make_api, "nurse"), "carer": phone(make_api, "carer")}
    second = "carer" if first == "nurse" else "nurse"
    now = timezone.now()
    # Both gave the dose offline, ten minutes apart; the order they sync in must not matter.
    events = {
        "nurse": give(ward.order, task=ward.task, at=now - timedelta(minutes=10)),
        "carer": give(ward.order, task=ward.task, at=now),
    }
    assert push(phones[first], events[first])[0]["status"] == "applied"
    result = push(phones[second], events[second])[0]
    assert (result["status"], result["code"]) == ("conflict", "double_dose")
    # Append-only: both administrations are on the record.
    assert MedicationAdministration.objects.filter(task=ward.task, outcome="given").count() == 2
    [conflict] = open_conflicts(make_api, "double_dose")
    assert conflict["id"] == result["conflict_id"]
    assert conflict["severity"] == "high" and conflict["subject_type"] == "task"
    assert set(conflict["event_ids"]) == {events["nurse"]["id"], events["carer"]["id"]}
    ward.task.refresh_from_db()
    assert ward.task.status == "done"
    assert str(ward.task.done_event) == events["nurse"]["id"]  # the first given by time, either way


def test_it_judges_each_event_of_one_call_against_those_before_it(centre, ward, make_api):
    nurse = phone(make_api, "nurse")
    now = timezone.now()
    first, second = (
        give(ward.order, task=ward.task, at=now - timedelta(minutes=5)),
        give(ward.order, task=ward.task),
    )
    prn = [give(ward.prn, at=now - timedelta(hours=2)), give(ward.prn, at=now)]
    void = event(
        "record.void",
        {
            "record_type": "med_administration",
            "record_id": first["args"]["administration_id"],
            "reason": "nhầm",
        },
    )
    again = give(ward.order, task=ward.task)
    transfer = event(
        "resident.transfer",
        {"resident_id": ward.resident.id, "status": "on_leave"},
        at=now + timedelta(minutes=1),
    )
    # Inside the five minutes a device clock may run ahead (later, it is judged at receipt).
    late = give(ward.prn, at=now + timedelta(minutes=3), reason="đau", note="về phép vẫn uống")
    results = push(nurse, first, second, *prn, void, again, transfer, late)
    assert [(r["status"], r.get("code")) for r in results] == [
        ("applied", None),
        ("conflict", "double_dose"),
        ("applied", None),
        ("conflict", "prn_interval"),
        ("applied", None),
        ("conflict", "double_dose"),
        ("applied", None),
        ("conflict", "prn_interval"),
    ]
    # `late` is both too soon after the last PRN dose and while away: both are open.
    assert set(
        Conflict.objects.filter(subject_id=late["args"]["administration_id"]).values_list(
            "kind", flat=True
        )
    ) == {"prn_interval", "resident_away"}
    ward.task.refresh_from_db()
    assert ward.task.status == "done" and str(ward.task.done_event) == second["id"]


def test_it_does_not_call_a_dose_given_after_a_refusal_a_double_dose(ward, make_api):
    nurse, carer = phone(make_api, "nurse"), phone(make_api, "carer")
    now = timezone.now()
    assert (
        push(
            carer,
            give(ward.order, task=ward.task, outcome="refused", at=now - timedelta(minutes=20)),
        )[0]["status"]
        == "applied"
    )
    assert push(nurse, give(ward.order, task=ward.task, at=now))[0]["status"] == "applied"
    ward.task.refresh_from_db()
    assert ward.task.status == "done"
    assert Conflict.objects.count() == 0


@pytest.mark.parametrize("first", ["early", "late"])
def test_it_opens_prn_interval_when_two_phones_give_too_close_in_either_order(
    centre, ward, make_api, first
):
    phones = {"early": phone(make_api, "nurse"), "late": phone(make_api, "carer")}
    now = timezone.now()
    events = {
        "early": give(ward.prn, at=now - timedelta(hours=3)),
        "late": give(ward.prn, at=now - timedelta(hours=1)),
    }
    second = "late" if first == "early" else "early"
    assert push(phones[first], events[first])[0]["status"] == "applied"
    result = push(phones[second], events[second])[0]
    assert (result["status"], result["code"]) == ("conflict", "prn_interval")
    [conflict] = open_conflicts(make_api, "prn_interval")
    assert set(conflict["event_ids"]) == {events["early"]["id"], events["late"]["id"]}
    assert MedicationAdministration.objects.filter(order=ward.prn).count() == 2


def test_it_opens_prn_interval_over_the_daily_maximum(ward, make_api):
    nurse = phone(make_api, "nurse")
    now = timezone.now()
    doses = [give(ward.prn, at=now - timedelta(hours=h)) for h in (20, 14, 8)]
    assert [r["status"] for r in push(nurse, *doses)] == ["applied"] * 3
    result = push(nurse, give(ward.prn, at=now - timedelta(hours=2)))[0]
    assert (result["status"], result["code"]) == ("conflict", "prn_interval")
    conflict = Conflict.objects.get(id=result["conflict_id"])
    assert len(conflict.details["over_max"]) == 3 and conflict.details["interval"] == []


@pytest.mark.parametrize("first", ["transfer", "dose"])
def test_it_opens_resident_away_in_either_arrival_order(centre, ward, make_api, first):
    manager, nurse = phone(make_api, "manager"), phone(make_api, "nurse")
    now = timezone.now()
    transfer = event(
        "resident.transfer",
        {
            "resident_id": ward.resident.id,
            "status": "in_hospital",
            "place": "Bệnh viện tỉnh",
            "escort_id": str(centre.carer.id),
        },
        at=now - timedelta(hours=2),
    )
    dose = give(ward.order, task=ward.task, at=now - timedelta(hours=1))
    if first == "transfer":
        assert push(manager, transfer)[0]["status"] == "applied"
        result = push(nurse, dose)[0]
    else:
        assert push(nurse, dose)[0]["status"] == "applied"
        result = push(manager, transfer)[0]
    assert (result["status"], result["code"]) == ("conflict", "resident_away")
    [conflict] = open_conflicts(make_api, "resident_away")
    assert set(conflict["event_ids"]) == {transfer["id"], dose["id"]}
    assert conflict["subject_id"] == dose["args"]["administration_id"]
    ward.resident.refresh_from_db()
    assert ward.resident.status == "in_hospital"


def test_it_records_an_away_dose_without_conflict(ward, make_api):
    manager, nurse = phone(make_api, "manager"), phone(make_api, "nurse")
    now = timezone.now()
    push(
        manager,
        event(
            "resident.transfer",
            {"resident_id": ward.resident.id, "status": "on_leave"},
            at=now - timedelta(hours=2),
        ),
    )
    assert push(nurse, give(ward.order, task=ward.task, outcome="away"))[0]["status"] == "applied"
    ward.task.refresh_from_db()
    assert ward.task.status == "away" and ward.task.done_event is not None
    assert Conflict.objects.count() == 0


def test_it_records_a_witnessed_controlled_drug(centre, ward, make_api):
    nurse = phone(make_api, "nurse")
    ev = give(ward.controlled, task=ward.controlled_task, witness_id=str(centre.manager.id))
    assert push(nurse, ev)[0]["status"] == "applied"
    assert (
        MedicationAdministration.objects.get(id=ev["args"]["administration_id"]).witness_id
        == centre.manager.id
    )


def test_it_accepts_a_late_dose_with_a_reason_and_flags_it(ward, make_api):
    nurse = phone(make_api, "nurse")
    ward.task.due_at = timezone.now() - timedelta(hours=3)
    ward.task.save()
    ev = give(ward.order, task=ward.task, reason="đi khám về muộn")
    result = push(nurse, ev)[0]
    assert result["status"] == "applied" and "late" in result["flags"]
    assert MedicationAdministration.objects.get(id=ev["args"]["administration_id"]).flags == [
        "late"
    ]


def test_it_voids_a_dose_with_a_new_row_and_reopens_the_task(centre, ward, make_api):
    nurse, carer = phone(make_api, "nurse"), phone(make_api, "carer")
    ev = give(ward.order, task=ward.task)
    push(nurse, ev)
    admin_id = ev["args"]["administration_id"]
    before = MedicationAdministration.objects.filter(id=admin_id).values().get()
    void = event(
        "record.void",
        {"record_type": "med_administration", "record_id": admin_id, "reason": "ghi nhầm người"},
    )
    assert push(nurse, void)[0]["status"] == "applied"
    assert MedicationAdministration.objects.filter(id=admin_id).values().get() == before
    assert MedicationVoid.objects.get(administration_id=admin_id).reason == "ghi nhầm người"
    ward.task.refresh_from_db()
    assert ward.task.status == "pending"
    changes = carer.sync().json()["changes"]
    pulled = next(c for c in changes if c["type"] == "med_administration")
    assert pulled["data"]["void"] is True and pulled["version"] == 2
    again = push(
        nurse,
        event(
            "record.void",
            {"record_type": "med_administration", "record_id": admin_id, "reason": "x"},
        ),
    )
    assert again[0]["status"] == "merged"


def test_it_keeps_the_original_when_a_dose_is_entered_in_error(ward, make_api):
    nurse = phone(make_api, "nurse")
    first = give(ward.order, task=ward.task)
    push(nurse, first)
    fix = give(ward.order, task=ward.task, outcome="entered_in_error", reason="nhầm giờ")
    assert push(nurse, fix)[0]["status"] == "applied"
    original = MedicationAdministration.objects.get(id=first["args"]["administration_id"])
    assert original.outcome == "given" and original.void is True
    assert MedicationAdministration.objects.filter(task=ward.task).count() == 2
    ward.task.refresh_from_db()
    assert ward.task.status == "pending"
    # the real dose afterwards is no double dose: the wrong one is void
    assert push(nurse, give(ward.order, task=ward.task))[0]["status"] == "applied"


def _counts() -> dict[str, int]:
    return {
        "administrations": MedicationAdministration.objects.count(),
        "voids": MedicationVoid.objects.count(),
        "conflicts": Conflict.objects.count(),
        "changes": Change.objects.count(),
        "transfers": ResidentTransfer.objects.count(),
        "pending_tasks": TaskInstance.objects.filter(status="pending").count(),
    }


def _bad_cases(centre, ward):
    other = MedicationOrderFactory(resident=ResidentFactory(area__facility=centre.other_facility))
    now = timezone.now()
    taken = give(ward.order, task=ward.task)
    return (
        {
            "missing order_id": (
                "nurse",
                {"administration_id": str(uuid.uuid4()), "prn": True, "outcome": "given"},
                "invalid_args",
            ),
            "unknown outcome": ("nurse", give(ward.prn, outcome="drunk")["args"], "invalid_args"),
            "dose of the wrong type": ("nurse", give(ward.prn, dose=2)["args"], "invalid_args"),
            "id not a uuid": (
                "nurse",
                {**give(ward.prn)["args"], "administration_id": "abc"},
                "invalid_args",
            ),
            "both task and prn": (
                "nurse",
                {**give(ward.order, task=ward.task)["args"], "prn": True},
                "invalid_args",
            ),
            "neither task nor prn": (
                "nurse",
                {**give(ward.prn)["args"], "prn": False},
                "invalid_args",
            ),
            "prn on a scheduled order": ("nurse", give(ward.order)["args"], "invalid_args"),
            "another centre's order": ("nurse", give(other)["args"], "not_found"),
            "another centre's order, its manager": (
                "outsider",
                give(ward.prn)["args"],
                "not_found",
            ),
            "task of another order": (
                "nurse",
                {**give(ward.prn)["args"], "prn": False, "task_id": str(ward.task.id)},
                "not_found",
            ),
            "resident outside the carer's areas": (
                "carer_children",
                give(ward.prn)["args"],
                "not_found",
            ),
            "carer and a controlled drug": (
                "carer",
                give(ward.controlled, task=ward.controlled_task, witness_id=str(centre.nurse.id))[
                    "args"
                ],
                "forbidden",
            ),
            "kitchen staff": ("kitchen", give(ward.prn)["args"], "not_found"),
            "no witness": (
                "nurse",
                give(ward.controlled, task=ward.controlled_task)["args"],
                "witness_required",
            ),
            "witness is the recorder": (
                "nurse",
                give(ward.controlled, task=ward.controlled_task, witness_id=str(centre.nurse.id))[
                    "args"
                ],
                "witness_required",
            ),
            "witness from another centre": (
                "nurse",
                give(
                    ward.controlled, task=ward.controlled_task, witness_id=str(centre.outsider.id)
                )["args"],
                "witness_required",
            ),
            "outside the window": (
                "nurse",
                give(ward.order, task=ward.task)["args"],
                "reason_required",
            ),
            "partial without dose": (
                "nurse",
                give(ward.prn, outcome="partial")["args"],
                "dose_required",
            ),
            "withheld without reason": (
                "nurse",
                give(ward.order, task=ward.task, outcome="withheld")["args"],
                "reason_required",
            ),
            "reused administration id": ("nurse", taken["args"], "duplicate_record"),
        },
        now,
        taken,
    )


BAD = [
    "missing order_id",
    "unknown outcome",
    "dose of the wrong type",
    "id not a uuid",
    "both task and prn",
    "neither task nor prn",
    "prn on a scheduled order",
    "another centre's order",
    "another centre's order, its manager",
    "task of another order",
    "resident outside the carer's areas",
    "carer and a controlled drug",
    "kitchen staff",
    "no witness",
    "witness is the recorder",
    "witness from another centre",
    "outside the window",
    "partial without dose",
    "withheld without reason",
    "reused administration id",
]


@pytest.mark.parametrize("case", BAD)
def test_it_rejects_bad_input_with_its_code_and_changes_nothing_else(centre, ward, make_api, case):
    cases, now, taken = _bad_cases(centre, ward)
    who, args, code = cases[case]
    if case == "reused administration id":
        push(phone(make_api, "nurse"), taken)  # the id is now taken by another event
    at = now - timedelta(hours=3) if case == "outside the window" else now
    before = _counts()
    client = phone(make_api, who)
    ev = event("med.administer", args, at=at)
    [result] = push(client, ev)
    assert (result["status"], result["code"]) == ("rejected", code), result
    assert result["message"]  # Vietnamese, for the phone to show
    assert _counts() == before
    # ... but the event itself is kept, in quarantine.
    assert EventLog.objects.get(id=ev["id"]).status == "rejected"


def test_it_rejects_carers_where_the_centre_does_not_let_them_record(centre, ward, make_api):
    centre.facility.settings = {"carers_may_record_meds": False}
    centre.facility.save()
    before = _counts()
    [result] = push(phone(make_api, "carer"), give(ward.prn))
    assert (result["status"], result["code"]) == ("rejected", "forbidden")
    assert _counts() == before


def test_it_rejects_kitchen_staff_even_in_their_own_scope(centre, make_api):
    resident = ResidentFactory(area=centre.kitchen_area)
    order = MedicationOrderFactory(resident=resident, prn=True, times=[])
    [result] = push(phone(make_api, "kitchen"), give(order))
    assert (result["status"], result["code"]) == ("rejected", "forbidden")


def _attempt(sql_or_fn) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        if callable(sql_or_fn):
            sql_or_fn()
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql_or_fn)


def test_it_refuses_updates_and_deletes_of_the_medication_record_in_the_database(ward, make_api):
    nurse = phone(make_api, "nurse")
    voided, plain = give(ward.order, task=ward.task), give(ward.prn)
    push(nurse, voided, plain)
    push(
        nurse,
        event(
            "record.void",
            {
                "record_type": "med_administration",
                "record_id": voided["args"]["administration_id"],
                "reason": "thử",
            },
        ),
    )
    row = MedicationAdministration.objects.get(id=plain["args"]["administration_id"])
    void = MedicationVoid.objects.get()
    table, void_table = MedicationAdministration._meta.db_table, MedicationVoid._meta.db_table
    pk = row.pk.hex if connection.vendor == "sqlite" else str(row.pk)

    row.outcome = "refused"
    _attempt(row.save)
    _attempt(row.delete)  # no void points at it: only the trigger stands in the way
    _attempt(lambda: MedicationAdministration.objects.filter(pk=row.pk).update(outcome="refused"))
    _attempt(lambda: MedicationAdministration.objects.filter(pk=row.pk).delete())
    _attempt(f"UPDATE {table} SET outcome = 'refused' WHERE id = '{pk}'")
    _attempt(f"DELETE FROM {table} WHERE id = '{pk}'")
    _attempt(lambda: MedicationVoid.objects.filter(pk=void.pk).update(reason="khác"))
    _attempt(void.delete)
    _attempt(f"DELETE FROM {void_table}")

    assert MedicationAdministration.objects.get(pk=row.pk).outcome == "given"
    assert MedicationAdministration.objects.count() == 2 and MedicationVoid.objects.count() == 1


def test_it_reads_void_from_prefetched_voids_without_a_query_per_row(
    ward, make_api, django_assert_num_queries
):
    nurse = phone(make_api, "nurse")
    kept, voided = give(ward.prn, at=timezone.now() - timedelta(hours=5)), give(ward.prn)
    push(nurse, kept, voided)
    push(
        nurse,
        event(
            "record.void",
            {
                "record_type": "med_administration",
                "record_id": voided["args"]["administration_id"],
                "reason": "nhầm",
            },
        ),
    )
    with django_assert_num_queries(2):
        rows = list(MedicationAdministration.objects.prefetch_related("voids"))
        flags = {str(r.id): r.void for r in rows}
    assert flags == {
        kept["args"]["administration_id"]: False,
        voided["args"]["administration_id"]: True,
    }
