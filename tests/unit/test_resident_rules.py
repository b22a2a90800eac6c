"""Resident rules as tables (server/care/resident_rules.py): no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.care.resident_rules import (
    FieldEdit,
    Move,
    event_stamp,
    may_edit_residents,
    next_move_at,
    resident_fields_merge,
    status_at,
    status_changes,
    task_status_on_move,
)

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
EARLY = "1795000000000-0000-dev-a"
LATE = "1795000000000-0001-dev-b"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("nurse", True), ("manager", True), ("admin", True), ("carer", False), ("kitchen", False)],
)
def test_it_lets_only_nurses_and_managers_edit_residents(role, allowed):
    assert may_edit_residents(role) is allowed


def test_it_stamps_an_event_without_hlc_from_its_device_time():
    stamp = event_stamp(hlc="", at=T0, node="dev")
    assert stamp == f"{int(T0.timestamp() * 1000):013d}-0000-dev"
    assert event_stamp(hlc=LATE, at=T0, node="dev") == LATE
    assert event_stamp(hlc="garbage", at=T0, node="dev") == stamp


CURRENT = {"room": "P1", "diet_note": "ăn mềm", "full_name": "Trần Thị A"}


@pytest.mark.parametrize(
    ("edits", "incoming", "base", "stamp", "by", "applied", "clashes"),
    [
        # nobody touched the field since base: it applies
        ({}, {"room": "P2"}, 1, EARLY, "u1", {"room": "P2"}, []),
        ({"room": FieldEdit(EARLY, 1, "u2")}, {"room": "P2"}, 1, LATE, "u1", {"room": "P2"}, []),
        # someone else changed it since base, the incoming edit is later by HLC: it wins
        (
            {"room": FieldEdit(EARLY, 2, "u2", "e2")},
            {"room": "P3"},
            1,
            LATE,
            "u1",
            {"room": "P3"},
            [("room", "P3", "P1", "u1", "u2", "e2")],
        ),
        # ... the incoming edit is older by HLC: the stored value stays, the incoming is kept aside
        (
            {"room": FieldEdit(LATE, 2, "u2", "e2")},
            {"room": "P3"},
            1,
            EARLY,
            "u1",
            {},
            [("room", "P1", "P3", "u2", "u1", "e2")],
        ),
        # the same person's own two edits: the later stands, nothing to review
        ({"room": FieldEdit(EARLY, 2, "u1")}, {"room": "P3"}, 1, LATE, "u1", {"room": "P3"}, []),
        ({"room": FieldEdit(LATE, 2, "u1")}, {"room": "P3"}, 1, EARLY, "u1", {}, []),
        # the same value as now: nothing to do, nothing to fight over
        ({"room": FieldEdit(LATE, 2, "u2")}, {"room": "P1"}, 1, EARLY, "u1", {}, []),
        # field-level: another field changed concurrently does not block this one
        (
            {"diet_note": FieldEdit(LATE, 2, "u2")},
            {"room": "P2"},
            1,
            EARLY,
            "u1",
            {"room": "P2"},
            [],
        ),
    ],
)
def test_it_merges_resident_fields_last_by_hlc(edits, incoming, base, stamp, by, applied, clashes):
    result = resident_fields_merge(
        current=CURRENT, edits=edits, incoming=incoming, base_version=base, stamp=stamp, by=by
    )
    assert result.apply == applied
    assert [
        (c.field, c.kept, c.lost, c.kept_by, c.lost_by, c.other_event) for c in result.clashes
    ] == clashes


def test_it_converges_whichever_concurrent_edit_arrives_first():
    def run(first, second):
        state, edits, clashes = dict(CURRENT), {}, []
        for version, (value, stamp, by) in enumerate([first, second], start=2):
            r = resident_fields_merge(
                current=state,
                edits=edits,
                incoming={"room": value},
                base_version=1,
                stamp=stamp,
                by=by,
            )
            clashes += r.clashes
            if "room" in r.apply:
                state["room"] = value
                edits["room"] = FieldEdit(stamp, version, by)
        return state["room"], sorted((c.kept, c.lost) for c in clashes)

    a, b = ("P2", EARLY, "u1"), ("P3", LATE, "u2")
    assert run(a, b) == run(b, a) == ("P3", [("P3", "P2")])


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ({"hlc": EARLY, "v": 3, "by": "u", "event": "e"}, FieldEdit(EARLY, 3, "u", "e")),
        (EARLY, FieldEdit(EARLY, 0, "")),
        (None, None),
        (7, None),
    ],
)
def test_it_reads_stored_field_stamps(raw, parsed):
    assert FieldEdit.parse(raw) == parsed


MOVES = [
    Move(T0, "in_hospital", "present", "m1"),
    Move(T0 + timedelta(days=2), "present", "in_hospital", "m2"),
]


@pytest.mark.parametrize(
    ("moves", "current", "at", "status"),
    [
        ([], "present", T0, "present"),
        ([], "on_leave", T0, "on_leave"),
        (MOVES, "present", T0 - timedelta(hours=1), "present"),
        (MOVES, "present", T0, "in_hospital"),
        (MOVES, "present", T0 + timedelta(days=1), "in_hospital"),
        (MOVES, "present", T0 + timedelta(days=3), "present"),
        # only the later move known so far: before it, the status it left
        (MOVES[1:], "present", T0 + timedelta(days=1), "in_hospital"),
    ],
)
def test_it_tells_where_a_resident_was_at_a_time(moves, current, at, status):
    assert status_at(moves, current=current, at=at) == status


def test_it_finds_when_a_period_ends():
    assert next_move_at(MOVES, at=T0) == T0 + timedelta(days=2)
    assert next_move_at(MOVES, at=T0 + timedelta(days=2)) is None


@pytest.mark.parametrize(
    ("task_status", "by_person", "new_status", "result"),
    [
        ("pending", False, "in_hospital", "away"),
        ("pending", False, "on_leave", "away"),
        ("done", True, "in_hospital", None),
        ("away", False, "in_hospital", None),
        ("pending", False, "discharged", "not_applicable"),
        ("away", False, "deceased", "not_applicable"),
        ("away", True, "deceased", None),
        ("done", True, "deceased", None),
        ("away", False, "present", "pending"),
        ("away", True, "present", None),
        ("pending", False, "present", None),
    ],
)
def test_it_says_what_a_move_does_to_a_later_task(task_status, by_person, new_status, result):
    assert (
        task_status_on_move(task_status=task_status, set_by_person=by_person, new_status=new_status)
        == result
    )


def test_a_status_reported_again_is_not_a_second_change():
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    hour = timedelta(hours=1)
    moves = [
        Move(t0 + 3 * hour, "present", "in_hospital", "d"),
        Move(t0 + hour, "in_hospital", "present", "b"),  # the same stay, reported twice
        Move(t0, "in_hospital", "present", "a"),
        Move(t0 + 4 * hour, "deceased", "present", "e"),
        Move(t0 + 5 * hour, "deceased", "present", "f"),  # stored before e arrived
    ]
    assert [m.key for m in status_changes(moves)] == ["a", "d", "e"]
    assert status_changes([]) == []
