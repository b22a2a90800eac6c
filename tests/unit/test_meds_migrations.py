"""meds 0006 gives orders the stock's funding-source codes: an order of the centre's budget,
stored as "centre", becomes "budget" on a database that already holds orders (migrated back to
before, filled, then forward again); nothing else of any order changes, and back again."""

from __future__ import annotations

import uuid

from tests.factories import ResidentFactory
from tests.unit.test_stock_migrations import _migrate

BEFORE = [("meds", "0005_order_medicine")]
AFTER = [("meds", "0006_funding_source_one_vocabulary")]
FIELDS = ("id", "drug", "funding_source", "unit_cost_vnd", "resident_id")


def _orders(apps):
    order = apps.get_model("meds", "MedicationOrder")
    return set(order.objects.values_list(*FIELDS))


def test_orders_of_the_centres_budget_take_the_stocks_code(transactional_db):
    resident = ResidentFactory()
    try:
        apps = _migrate(BEFORE)
        MedicationOrder = apps.get_model("meds", "MedicationOrder")
        for source, cost in (("centre", 300), ("bhyt", 450), ("donated", 1500), ("centre", 400)):
            MedicationOrder.objects.create(
                id=uuid.uuid4(),
                facility_id=resident.facility_id,
                resident_id=resident.id,
                drug=f"{source} {cost}",
                dose="1 viên",
                funding_source=source,
                unit_cost_vnd=cost,
            )
        before = _orders(apps)
    finally:
        apps = _migrate(AFTER)
    renamed = {"centre": "budget"}
    assert _orders(apps) == {
        (i, drug, renamed.get(source, source), cost, r) for i, drug, source, cost, r in before
    }
    # Backwards restores what was stored (a rollback loses nothing either).
    try:
        assert _orders(_migrate(BEFORE)) == before
    finally:
        _migrate(AFTER)
