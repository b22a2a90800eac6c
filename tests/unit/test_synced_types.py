"""The synced types are declared once (server/<app>/sync.py, sync/types.py) and what depends on
them is derived: the board's fields, the scopes, the voids, the phone's list of types."""

from __future__ import annotations

import pytest

from server.care.models import Note
from server.care.serializers import note_data
from server.care.vocabulary import vocabulary
from server.live.groups import dashboard_fields_of, fact_of
from sync.registry import PendingChange
from sync.types import (
    STAFF,
    SyncedType,
    all_types,
    declare,
    synced,
    types_in_scope,
    voidable_types,
)
from tests.live.test_dashboard_projection import projection

PHONE_TYPES = {
    *("facility", "area", "resident", "task", "note", "med_order", "med_administration"),
    *("disinfection", "vehicle_trip", "food_sample", "food_check", "fridge_reading", "menu_dish"),
    *("medicine", "stock_level", "conflict"),
}


def test_every_change_type_is_declared_once_with_its_own_model():
    declared = all_types()
    assert {t.name for t in declared} == PHONE_TYPES
    assert len({t.model for t in declared}) == len(declared)


def test_every_type_the_board_reads_declares_the_fields_it_reads():
    # Taking a type's `dashboard` fields away would turn its deltas into mere "who acted"
    # facts, and the board would silently stop moving (e.g. no dose among late doses).
    reads = set(projection().fact_handlers()) - {"device"}  # a phone's health: not a change
    assert reads <= PHONE_TYPES
    assert {t for t in reads if not dashboard_fields_of(t)} == set()
    assert set(dashboard_fields_of("med_administration")) >= {"task_id", "outcome", "void"}


def test_a_change_the_board_reads_reaches_it_cut_to_its_fields():
    data = {"task_id": "t1", "outcome": "given", "at": "x", "void": False, "by": "u", "dose": "1"}
    change = PendingChange(None, "med_administration", "r1", data, None, "upsert", 1)  # type: ignore[arg-type]
    fact = fact_of(change)
    assert fact is not None and fact["type"] == "med_administration"
    assert set(fact["data"]) == {"task_id", "outcome", "at", "void", "by"}


def test_the_scopes_keep_the_stock_for_staff_and_the_kitchen_s_records_for_its_audience():
    assert types_in_scope(STAFF) == {"medicine", "stock_level"}
    assert types_in_scope("kitchen") == {"food_sample", "food_check", "fridge_reading", "menu_dish"}
    assert types_in_scope("facility") == {"facility", "area"}


def test_a_type_declared_after_a_scope_was_read_is_in_that_scope():
    from sync import types as engine

    assert "probe" not in types_in_scope(STAFF)  # read, and kept
    model = type("Probe", (), {"_meta": type("Meta", (), {"label": "tests.Probe"})()})
    declare(SyncedType("probe", model, note_data, scope=STAFF))
    try:
        assert "probe" in types_in_scope(STAFF)
    finally:
        for registry in (engine._types, engine._declared_in):
            registry.pop("probe", None)
        engine._by_model.pop("tests.Probe", None)
        engine._in_scope.clear()
    assert "probe" not in types_in_scope(STAFF)


def test_the_voidable_types_are_those_record_void_took_before():
    expected = {"note", "task", "med_administration", "disinfection", "food_sample", "food_check"}
    assert set(voidable_types()) == expected


def test_the_phone_learns_the_types_and_which_are_voidable_with_the_facility():
    types = vocabulary()["types"]
    assert set(types) == PHONE_TYPES
    assert {t for t, v in types.items() if v["voidable"]} == set(voidable_types())
    assert types["stock_level"]["scope"] == "staff"


def test_a_type_cannot_be_declared_twice_differently():
    note = synced("note")
    assert note is not None
    assert declare(note) is note  # the same declaration again (a module re-imported): fine
    with pytest.raises(RuntimeError):
        declare(SyncedType("note", Note, note_data, scope="facility"))
