"""stock.receive / count / adjust and the dose's share of med.administer, through the real
sync endpoint."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest

from server.meds.models import MedicationAdministration
from server.stock.models import StockLevel, StockLot, StockMove
from sync.models import Change, Conflict, EventLog
from tests.api.test_med_administer import give, phone, push
from tests.events import event
from tests.factories import MedicationOrderFactory, ResidentFactory, TaskFactory
from tests.stock_helpers import (
    adjust,
    assert_ledger_adds_up,
    count,
    level_of,
    medicine,
    receive,
)


@pytest.fixture
def meds(centre):
    return {
        "para": medicine(centre.facility),
        "halo": medicine(
            centre.facility, name="Haloperidol", strength="1,5mg", controlled=True, min_stock=5
        ),
        "syrup": medicine(centre.facility, name="Siro ho", unit="ml", tolerance_pct=5),
        "theirs": medicine(centre.other_facility, name="Paracetamol"),
    }


def test_a_nurse_receives_counts_and_adjusts_and_the_ledger_adds_up(centre, meds, make_api):
    nurse = phone(make_api, "nurse")
    para = meds["para"]
    results = push(
        nurse,
        receive(para, 30, lot="A", expiry="2027-01-31"),
        receive(para, 20, lot="B", expiry="2026-12-20"),
        adjust(para, -2, reason="damaged"),
        count(para, 48),
    )
    assert [r["status"] for r in results] == ["applied"] * 4
    assert level_of(para) == 48
    # The damaged tablets came out of the lot that expires first.
    assert StockLot.objects.get(lot="B").quantity == 18
    assert list(
        StockMove.objects.order_by("id").values_list("kind", "quantity", "balance_after")
    ) == [
        ("receipt", 30, 30),
        ("receipt", 20, 50),
        ("adjustment", -2, 48),
        ("count", 0, 48),
    ]
    assert_ledger_adds_up()


def test_a_manager_pulls_medicines_and_levels_and_a_carer_does_not(centre, meds, make_api):
    nurse, manager = phone(make_api, "nurse"), phone(make_api, "manager")
    carer, kitchen = phone(make_api, "carer"), phone(make_api, "kitchen")
    from sync.types import publish

    publish([meds["para"]])
    push(nurse, receive(meds["para"], 12, expiry=(date.today() + timedelta(days=10)).isoformat()))
    changes = manager.sync().json()["changes"]
    level = next(c for c in changes if c["type"] == "stock_level")
    assert level["data"] == {
        "facility_id": str(centre.facility.id),
        "medicine_id": str(meds["para"].id),
        "funding_source": "bhyt",
        "quantity": 12,
        "unit": "viên",
        "low": False,
        "earliest_expiry": (date.today() + timedelta(days=10)).isoformat(),
    }
    medicine_change = next(c for c in changes if c["type"] == "medicine")
    assert medicine_change["data"]["controlled"] is False
    assert medicine_change["data"]["min_stock"] == 10
    for other in (carer, kitchen):
        types = {c["type"] for c in other.sync().json()["changes"]}
        assert not types & {"medicine", "stock_level"}


@pytest.mark.parametrize("who", ["carer", "kitchen"])
def test_carers_and_kitchen_staff_cannot_move_stock(centre, meds, make_api, who):
    client = phone(make_api, who)
    for ev in (
        receive(meds["para"], 5),
        count(meds["para"], 5),
        adjust(meds["para"], 1, reason="returned"),
    ):
        assert push(client, ev)[0]["code"] == "forbidden"
    assert not StockMove.objects.exists()


def test_another_centres_medicine_is_not_found_like_a_random_id(centre, meds, make_api):
    nurse = phone(make_api, "nurse")
    theirs = push(nurse, receive(meds["theirs"], 5))[0]
    bogus = receive(meds["para"], 5)
    bogus["args"]["medicine_id"] = str(uuid.uuid4())
    random = push(nurse, bogus)[0]
    assert theirs["code"] == random["code"] == "not_found"
    assert theirs["message"] == random["message"]
    assert not StockMove.objects.exists()


BAD = [
    ("quantity", -5, "invalid_quantity"),
    ("quantity", 0, "invalid_quantity"),
    ("quantity", "NaN", "invalid_quantity"),
    ("quantity", "Infinity", "invalid_quantity"),
    ("quantity", 1e15, "invalid_quantity"),
    ("quantity", 2.25, "invalid_quantity"),  # tablets are whole or halves
    ("expiry", "2027-02-30", "invalid_args"),
    ("expiry", "2020-01-01", "invalid_expiry"),
    ("expiry", "2999-01-01", "invalid_expiry"),
    ("unit", "hộp", "unit_mismatch"),
    ("funding_source", "lottery", "invalid_args"),
]


@pytest.mark.parametrize(("field", "value", "code"), BAD)
def test_hostile_receipts_are_rejected_with_a_code_and_change_nothing(
    centre, meds, make_api, field, value, code
):
    nurse = phone(make_api, "nurse")
    push(nurse, receive(meds["para"], 10))
    before = (StockMove.objects.count(), Change.objects.count(), level_of(meds["para"]))
    ev = receive(meds["para"], 5)
    ev["args"][field] = value
    result = push(nurse, ev)[0]
    assert (result["status"], result["code"]) == ("rejected", code)
    assert result["message"]
    assert (StockMove.objects.count(), Change.objects.count(), level_of(meds["para"])) == before


def test_a_nan_written_as_a_bare_json_token_is_rejected_too(centre, meds, make_api):
    nurse = phone(make_api, "nurse")
    ev = count(meds["para"], 0)
    body = json.dumps(
        {"protocol": 1, "device_id": nurse.device_id, "cursor": None, "events": [ev]}
    ).replace('"counted": 0', '"counted": NaN')
    response = nurse.post("/api/sync/v1", body)
    if response.status_code == 200:
        assert response.json()["results"][0]["status"] == "rejected"
    else:
        assert response.status_code == 400 and response.json()["code"]
    assert not StockMove.objects.exists()


@pytest.mark.parametrize(
    ("ev", "code"),
    [
        (lambda m: count(m, -1), "invalid_quantity"),
        (lambda m: adjust(m, 0), "invalid_quantity"),
        (lambda m: adjust(m, -11), "insufficient_stock"),
        (lambda m: adjust(m, -1, reason="stolen"), "invalid_reason"),
        (lambda m: adjust(m, -1, lot="NOPE"), "unknown_lot"),
        (lambda m: count(m, 3, lot="NOPE"), "unknown_lot"),
    ],
)
def test_hostile_counts_and_adjustments_are_rejected(centre, meds, make_api, ev, code):
    nurse = phone(make_api, "nurse")
    push(nurse, receive(meds["para"], 10))
    result = push(nurse, ev(meds["para"]))[0]
    assert (result["status"], result["code"]) == ("rejected", code)
    assert level_of(meds["para"]) == 10 and StockMove.objects.count() == 1


def test_a_controlled_count_that_differs_opens_a_high_severity_mismatch(centre, meds, make_api):
    nurse = phone(make_api, "nurse")
    push(nurse, receive(meds["halo"], 20, witness_id=str(centre.manager.id)))
    result = push(nurse, count(meds["halo"], 19))[0]
    assert (result["status"], result["code"]) == ("conflict", "stock_mismatch")
    conflict = Conflict.objects.get(kind="stock_mismatch")
    assert conflict.severity == "high"
    assert conflict.details["delta"] == -1 and conflict.details["expected"] == 20
    assert level_of(meds["halo"]) == 19
    assert_ledger_adds_up()


def test_an_ordinary_count_within_tolerance_is_applied(centre, meds, make_api):
    nurse = phone(make_api, "nurse")
    push(nurse, receive(meds["syrup"], 1000, lot=""))
    assert push(nurse, count(meds["syrup"], 970))[0]["status"] == "applied"
    result = push(nurse, count(meds["syrup"], 800))[0]
    assert (result["status"], result["code"]) == ("conflict", "stock_mismatch")
    assert Conflict.objects.get(kind="stock_mismatch").severity == "normal"
    assert level_of(meds["syrup"]) == 800


@pytest.fixture
def ordered(centre, meds):
    resident = ResidentFactory(area=centre.elderly)
    order = MedicationOrderFactory(
        resident=resident, medicine=meds["para"], dose_units=2, funding_source="budget"
    )
    task = TaskFactory(resident=resident, kind="medication", order=order, title="Paracetamol")
    return order, task


def test_a_dose_takes_its_units_from_the_orders_source_earliest_expiry_first(
    centre, meds, make_api, ordered
):
    order, task = ordered
    nurse = phone(make_api, "nurse")
    push(
        nurse,
        receive(meds["para"], 10, source="budget", lot="LATE", expiry="2027-05-01"),
        receive(meds["para"], 1, source="budget", lot="SOON", expiry="2026-12-31"),
        receive(meds["para"], 50, source="bhyt"),
    )
    result = push(nurse, give(order, task=task))[0]
    assert result["status"] == "applied" and "flags" not in result
    assert level_of(meds["para"], "budget") == 9 and level_of(meds["para"], "bhyt") == 50
    dose = StockMove.objects.filter(kind="dose").order_by("id")
    assert [(m.lot.lot, m.quantity) for m in dose] == [("SOON", -1), ("LATE", -1)]
    admin = MedicationAdministration.objects.get()
    assert {m.ref_id for m in dose} == {admin.id}
    assert_ledger_adds_up()


def test_an_order_the_family_pays_for_takes_the_familys_stock(centre, meds, make_api):
    """A family may bring a resident's own medicine: the order names the family as its source
    and a dose is taken from what the family brought, not from another source."""
    resident = ResidentFactory(area=centre.elderly)
    order = MedicationOrderFactory(
        resident=resident, medicine=meds["para"], dose_units=2, funding_source="family"
    )
    task = TaskFactory(resident=resident, kind="medication", order=order, title="Paracetamol")
    nurse = phone(make_api, "nurse")
    push(
        nurse,
        receive(meds["para"], 6, source="family", lot="FAM"),
        receive(meds["para"], 5, source="other", lot="OTH"),
    )
    result = push(nurse, give(order, task=task))[0]
    assert result["status"] == "applied" and "flags" not in result
    assert level_of(meds["para"], "family") == 4 and level_of(meds["para"], "other") == 5
    assert [m.lot.lot for m in StockMove.objects.filter(kind="dose")] == ["FAM"]
    assert_ledger_adds_up()


def test_a_dose_with_no_stock_is_recorded_flagged_and_opens_one_stock_out(
    centre, meds, make_api, ordered
):
    order, task = ordered
    nurse = phone(make_api, "nurse")
    first = push(nurse, give(order, task=task))[0]
    assert first["status"] == "applied" and first["flags"] == ["no_stock"]
    assert MedicationAdministration.objects.get().flags == ["no_stock"]
    assert level_of(meds["para"], "budget") == -2
    prn = MedicationOrderFactory(
        resident=order.resident,
        medicine=meds["para"],
        prn=True,
        times=[],
        funding_source="budget",
        min_interval_minutes=1,
        max_per_24h=9,
    )
    push(nurse, give(prn))
    unavailable = push(nurse, give(order, task=task, outcome="unavailable"))[0]
    assert unavailable["status"] == "applied"
    # One open alert per (medicine, source), however many doses find the shelf empty.
    outs = Conflict.objects.filter(kind="stock_out")
    assert (
        outs.count() == 1
        and outs.get().subject_id == StockLevel.objects.get(funding_source="budget").id
    )
    assert_ledger_adds_up()


def test_unavailable_opens_a_stock_out_without_moving_stock(centre, meds, make_api, ordered):
    order, task = ordered
    nurse = phone(make_api, "nurse")
    push(nurse, receive(meds["para"], 10, source="budget"))
    push(nurse, give(order, task=task, outcome="unavailable", reason="hết thuốc"))
    assert Conflict.objects.filter(kind="stock_out").count() == 1
    assert level_of(meds["para"], "budget") == 10


def test_the_order_change_carries_medicine_and_dose_units(centre, meds, make_api, ordered):
    order, _ = ordered
    from sync.types import publish

    publish([order])
    data = next(
        c["data"]
        for c in phone(make_api, "nurse").sync().json()["changes"]
        if c["type"] == "med_order"
    )
    assert (data["medicine_id"], data["dose_units"]) == (str(meds["para"].id), 2)


def test_a_repeated_receipt_id_is_refused(centre, meds, make_api):
    nurse = phone(make_api, "nurse")
    ev = receive(meds["para"], 5)
    push(nurse, ev)
    again = receive(meds["para"], 5)
    again["args"]["receipt_id"] = ev["args"]["receipt_id"]
    assert push(nurse, again)[0]["code"] == "duplicate_record"
    assert level_of(meds["para"]) == 5 and EventLog.objects.count() == 2
    assert Decimal(5) == level_of(meds["para"])


@pytest.mark.parametrize("how", ["entered_in_error", "record.void"])
def test_a_voided_dose_puts_its_units_back_on_the_lots_they_came_from(
    centre, meds, make_api, ordered, how
):
    order, task = ordered
    nurse = phone(make_api, "nurse")
    push(
        nurse,
        receive(meds["para"], 1, source="budget", lot="SOON", expiry="2026-12-31"),
        receive(meds["para"], 10, source="budget", lot="LATE", expiry="2027-05-01"),
    )
    dose = give(order, task=task)
    push(nurse, dose)
    assert level_of(meds["para"], "budget") == 9
    if how == "entered_in_error":
        undo = give(order, task=task, outcome="entered_in_error", reason="ghi nhầm người")
    else:
        undo = event(
            "record.void",
            {
                "record_type": "med_administration",
                "record_id": dose["args"]["administration_id"],
                "reason": "ghi nhầm",
            },
        )
    assert push(nurse, undo)[0]["status"] == "applied"
    assert level_of(meds["para"], "budget") == 11
    assert {lot.lot: lot.quantity for lot in StockLot.objects.all()} == {"SOON": 1, "LATE": 10}
    # Voiding it again (or once more by the other path) puts nothing back twice.
    push(
        nurse,
        event(
            "record.void",
            {
                "record_type": "med_administration",
                "record_id": dose["args"]["administration_id"],
                "reason": "lần nữa",
            },
        ),
    )
    assert level_of(meds["para"], "budget") == 11
    assert_ledger_adds_up()


def test_a_refused_move_on_a_source_never_stocked_leaves_no_empty_level(centre, meds, make_api):
    nurse = phone(make_api, "nurse")
    results = push(
        nurse,
        adjust(meds["para"], -1, source="family", reason="lost"),
        count(meds["para"], 3, source="family", lot="NOPE"),
    )
    assert [r["code"] for r in results] == ["insufficient_stock", "unknown_lot"]
    assert not StockLevel.objects.exists() and not StockLot.objects.exists()
