"""The stock app's queries name their facility (docs/performance.md, "Distributing by
facility"), stricter than tests/sync/test_facility_queries.py (which takes a SELECT that
merely lists a facility_id column): every statement on the ledger, the levels and the lots
filters by facility_id, for a receipt, a count, an adjustment, a dose taken from stock and
its void. A receipt id is new per facility."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from server.stock.models import StockLot, StockMove
from tests import stock_helpers as stock
from tests.api.test_med_administer import give, phone, push
from tests.events import event
from tests.factories import MedicationOrderFactory, MembershipFactory, ResidentFactory, TaskFactory

STOCK_TABLES = ("stock_stockmove", "stock_stocklevel", "stock_stocklot")


def _unfiltered(client, events: list[dict]) -> tuple[list[str], list[dict]]:
    """The statements of one sync call that read or write a stock table without filtering
    by facility_id (an INSERT names it as a column)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.sync(events)
    assert response.status_code == 200, response.content
    out = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if not any(f'"{table}"' in sql for table in STOCK_TABLES) or sql.startswith("INSERT"):
            continue
        where = sql.split(" WHERE ", 1)
        if len(where) < 2 or "facility_id" not in where[1]:
            out.append(sql[:300])
    return out, response.json()["results"]


def test_every_stock_move_and_a_dose_and_its_void_filter_stock_rows_by_facility(centre, make_api):
    med = stock.medicine(centre.facility)
    resident = ResidentFactory(area=centre.elderly)
    order = MedicationOrderFactory(
        resident=resident, medicine=med, dose_units=2, funding_source="budget"
    )
    task = TaskFactory(resident=resident, kind="medication", order=order, title="Paracetamol")
    nurse = phone(make_api, "nurse")
    dose = give(order, task=task)
    void = event(
        "record.void",
        {
            "record_type": "med_administration",
            "record_id": dose["args"]["administration_id"],
            "reason": "ghi nhầm",
        },
    )
    moves = [
        stock.receive(med, 10, source="budget"),
        stock.count(med, 9, source="budget"),
        stock.adjust(med, -1, source="budget", reason="damaged"),
        dose,
        void,
    ]
    for ev in moves:
        unfiltered, results = _unfiltered(nurse, [ev])
        assert results[0]["status"] in ("applied", "conflict"), results
        assert not unfiltered, (ev["name"], unfiltered)
    assert [m.quantity for m in StockMove.objects.filter(kind="dose").order_by("id")] == [-2, 2]
    assert stock.level_of(med, "budget") == 8
    stock.assert_ledger_adds_up()


def test_lots_carry_their_levels_facility(centre, make_api):
    med = stock.medicine(centre.facility)
    results = push(
        phone(make_api, "nurse"), stock.receive(med, 5), stock.adjust(med, 2, reason="other")
    )
    assert [r["status"] for r in results] == ["applied", "applied"], results
    assert StockLot.objects.count() == 2  # the receipt's lot and the unlotted one
    assert {lot.facility_id for lot in StockLot.objects.all()} == {centre.facility.id}


def test_a_receipt_id_is_new_per_facility(centre, make_api):
    """A nurse of two centres who sends one receipt id to both gets two receipts, one in each
    book; the same id twice in one centre is still a duplicate."""
    MembershipFactory(user=centre.nurse, facility=centre.other_facility, role="nurse")
    here, there = stock.medicine(centre.facility), stock.medicine(centre.other_facility)
    nurse = phone(make_api, "nurse")
    first = stock.receive(here, 5)
    other = stock.receive(there, 7)
    other["args"]["receipt_id"] = first["args"]["receipt_id"]
    again = stock.receive(here, 5)
    again["args"]["receipt_id"] = first["args"]["receipt_id"]
    results = push(nurse, first, other, again)
    assert [r["status"] for r in results] == ["applied", "applied", "rejected"], results
    assert results[2]["code"] == "duplicate_record"
    assert stock.level_of(here) == 5 and stock.level_of(there) == 7
    assert StockMove.objects.filter(ref_id=first["args"]["receipt_id"]).count() == 2
    stock.assert_ledger_adds_up()
