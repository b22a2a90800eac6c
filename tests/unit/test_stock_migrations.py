"""stock 0003/0004 give every existing lot its level's facility, on a database that already
holds lots (migrated back to before the column, filled, then forward again)."""

from __future__ import annotations

import uuid

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import FacilityFactory

BEFORE = [("stock", "0002_append_only")]
AFTER = [("stock", "0004_stocklot_facility_required")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_lots_get_their_levels_facility(transactional_db):
    here, there = FacilityFactory(code="a"), FacilityFactory(code="b")
    try:
        apps = _migrate(BEFORE)
        Medicine = apps.get_model("stock", "Medicine")
        StockLevel = apps.get_model("stock", "StockLevel")
        StockLot = apps.get_model("stock", "StockLot")
        lots = {}
        for facility in (here, there):
            med = Medicine.objects.create(facility_id=facility.id, name="Paracetamol")
            level = StockLevel.objects.create(
                facility_id=facility.id, medicine=med, funding_source="bhyt"
            )
            lot = StockLot.objects.create(id=uuid.uuid4(), level=level, lot="L1", quantity=3)
            lots[lot.id] = facility.id
    finally:
        apps = _migrate(AFTER)
    StockLot = apps.get_model("stock", "StockLot")
    assert dict(StockLot.objects.values_list("id", "facility_id")) == lots
