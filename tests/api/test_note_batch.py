"""A push of many notes (note.add's preloader): the same verdicts as one note at a time,
in a few queries."""

from __future__ import annotations

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext

from server.care.models import Note
from tests.events import event
from tests.factories import ResidentFactory


def note(resident=None, note_id=None, **extra):
    args = {"note_id": note_id or str(uuid.uuid4()), "kind": "observation", "text": "Ăn hết suất"}
    if resident is not None:
        args["resident_id"] = resident.id
    return event("note.add", {**args, **extra})


def test_a_push_of_fifty_notes_costs_a_few_queries_not_three_per_note(centre, api):
    residents = [ResidentFactory(area=centre.elderly) for _ in range(5)]
    api.login("carer")
    with CaptureQueriesContext(connection) as captured:
        body = api.sync([note(residents[i % 5]) for i in range(50)]).json()
    assert {r["status"] for r in body["results"]} == {"applied"}
    assert Note.objects.count() == 50
    notes = [q for q in captured.captured_queries if 'INSERT INTO "care_note"' in q["sql"]]
    assert len(notes) == 1  # the fifty notes in one statement (sync/deferred.py)
    assert len(captured.captured_queries) < 30
    by_resident = Note.objects.filter(resident=residents[0])
    assert by_resident.count() == 10 and {n.area_id for n in by_resident} == {centre.elderly.id}


def test_a_note_id_seen_earlier_in_the_call_or_stored_before_is_a_duplicate(centre, api):
    resident = ResidentFactory(area=centre.elderly)
    api.login("carer")
    stored = str(uuid.uuid4())
    assert api.sync([note(resident, stored)]).json()["results"][0]["status"] == "applied"
    again = str(uuid.uuid4())
    body = api.sync([note(resident, stored), note(resident, again), note(resident, again)]).json()
    assert [(r["status"], r.get("code")) for r in body["results"]] == [
        ("rejected", "duplicate_record"),
        ("applied", None),
        ("rejected", "duplicate_record"),
    ]


def test_a_resident_out_of_the_carers_area_stays_not_found_in_a_batch(centre, api):
    mine = ResidentFactory(area=centre.elderly)
    theirs = ResidentFactory(area=centre.children)
    api.login("carer")
    body = api.sync([note(mine), note(theirs), note(mine)]).json()
    assert [r.get("code") for r in body["results"]] == [None, "not_found", None]
    assert not Note.objects.filter(resident=theirs).exists()


def test_a_note_after_a_move_in_the_same_call_takes_the_residents_new_area(centre, api):
    resident = ResidentFactory(area=centre.elderly)
    api.login("manager")
    move = event(
        "resident.update",
        {
            "resident_id": resident.id,
            "base_version": resident.version,
            "fields": {"area_id": str(centre.children.id)},
        },
    )
    body = api.sync([note(resident), move, note(resident)]).json()
    assert [r["status"] for r in body["results"]] == ["applied", "applied", "applied"]
    # The move re-homes the notes written before it; the one written after must not have
    # been given the area of a resident instance loaded before the move.
    areas = [n.area_id for n in Note.objects.filter(resident=resident)]
    assert areas == [centre.children.id, centre.children.id]


def test_a_note_voided_later_in_the_same_call_is_found_and_voided(centre, api):
    resident = ResidentFactory(area=centre.elderly)
    api.login("nurse")
    note_id = str(uuid.uuid4())
    first = note(resident, note_id)  # device_seq order is the order of decision
    void = event("record.void", {"record_type": "note", "record_id": note_id, "reason": "nhầm"})
    body = api.sync([first, void, note(resident)]).json()
    assert [r["status"] for r in body["results"]] == ["applied", "applied", "applied"]
    assert Note.objects.get(id=note_id).void
    assert Note.objects.filter(resident=resident).count() == 2


def test_a_refused_note_leaves_nothing_and_its_neighbours_land(centre, api):
    resident = ResidentFactory(area=centre.elderly)
    api.login("carer")
    empty = note(resident, text="")  # fails the args: rejected before anything is written
    body = api.sync([note(resident), empty, note(resident)]).json()
    assert [r["status"] for r in body["results"]] == ["applied", "rejected", "applied"]
    assert Note.objects.filter(resident=resident).count() == 2
