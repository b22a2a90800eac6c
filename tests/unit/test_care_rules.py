"""Tables for the pure care rules: merging completions, what a completion must carry,
the overdue sweep, and the bulk summary."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from server.care.rules import (
    Completion,
    TaskState,
    bulk_summary,
    completion_detail,
    completion_details_check,
    completion_route_check,
    task_completion_decide,
    task_sweep_status,
)

A, B = uuid.uuid4(), uuid.uuid4()
END = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
IN_TIME = END - timedelta(minutes=30)
GRACE = timedelta(minutes=60)


@pytest.mark.parametrize(
    (
        "status",
        "done_device",
        "state_detail",
        "outcome",
        "device",
        "detail",
        "at",
        "action",
        "kind",
        "flags",
    ),
    [
        ("pending", None, None, "done", A, 100, IN_TIME, "apply", "", ()),
        ("missed", None, None, "done", A, 100, END + timedelta(hours=2), "apply", "", ("late",)),
        (
            "pending",
            None,
            None,
            "done",
            A,
            None,
            END + GRACE,
            "apply",
            "",
            (),
        ),  # the edge is still on time
        (
            "pending",
            None,
            None,
            "done",
            A,
            None,
            END + GRACE + timedelta(seconds=1),
            "apply",
            "",
            ("late",),
        ),
        ("done", A, 100, "done", B, 100, IN_TIME, "merge", "", ()),
        ("done", A, 100, "done", B, 50, IN_TIME, "conflict", "contradictory_outcome", ()),
        ("done", A, None, "refused", B, None, IN_TIME, "conflict", "contradictory_outcome", ()),
        ("refused", A, None, "done", B, 100, IN_TIME, "conflict", "contradictory_outcome", ()),
        ("done", A, 100, "refused", A, None, IN_TIME, "correct", "", ()),
        ("done", A, 100, "done", A, 100, IN_TIME, "correct", "", ()),
        ("away", None, None, "done", A, 100, IN_TIME, "conflict", "resident_away", ()),
        ("skipped", A, None, "skipped", B, None, IN_TIME, "merge", "", ()),
    ],
)
def test_it_decides_a_task_completion(
    status, done_device, state_detail, outcome, device, detail, at, action, kind, flags
):
    verdict = task_completion_decide(
        TaskState(status=status, done_device=done_device, window_end=END, detail=state_detail),
        Completion(outcome=outcome, device=device, at=at, detail=detail),
        grace=GRACE,
    )
    assert (verdict.action, verdict.conflict_kind, verdict.flags) == (action, kind, flags)


@pytest.mark.parametrize(
    ("kind", "outcome", "details", "expected"),
    [
        ("meal", "done", {"portion": 75}, 75),
        ("meal", "partial", {"portion": 25}, 25),
        ("meal", "refused", {}, None),
        ("sun_exposure", "done", {"minutes": 20}, None),  # minutes are not compared
        ("custom", "done", {"portion": 5}, None),
    ],
)
def test_it_picks_the_detail_that_distinguishes_outcomes(kind, outcome, details, expected):
    assert completion_detail(kind, outcome, details) == expected


PORTIONS = [0, 25, 50, 75, 100]


@pytest.mark.parametrize(
    ("kind", "outcome", "reason", "details", "field"),
    [
        ("meal", "done", "", {"portion": 100}, None),
        ("meal", "partial", "", {"portion": 0}, None),
        ("meal", "done", "", {}, None),  # a whole portion by default
        ("meal", "partial", "", {}, "details.portion"),
        ("meal", "done", "", {"portion": 100, "note": "x"}, "details.note"),
        ("custom", "done", "", {"anything": 1}, "details.anything"),
        ("medication", "done", "", {}, "outcome"),
        ("medication", "refused", "ốm", {}, "outcome"),
        ("disinfection", "done", "", {}, "outcome"),
        ("disinfection", "partial", "", {}, "outcome"),
        ("disinfection", "skipped", "", {}, "reason"),
        ("disinfection", "skipped", "hết hóa chất", {}, None),
        ("disinfection", "not_applicable", "khu đóng cửa", {}, None),
        ("meal", "done", "", {"portion": 60}, "details.portion"),
        ("meal", "done", "", {"portion": "100"}, "details.portion"),
        ("meal", "done", "", {"portion": True}, "details.portion"),
        ("meal", "partial", "", {"portion": None}, "details.portion"),
        ("meal", "refused", "", {}, "reason"),
        ("meal", "refused", "   ", {}, "reason"),
        ("meal", "refused", "không muốn ăn", {}, None),
        ("meal", "skipped", "", {}, None),
        ("sun_exposure", "done", "", {"minutes": 20}, None),
        ("sun_exposure", "done", "", {"minutes": 1}, None),
        ("sun_exposure", "done", "", {"minutes": 240}, None),
        ("sun_exposure", "done", "", {"minutes": 0}, "details.minutes"),
        ("sun_exposure", "done", "", {"minutes": 241}, "details.minutes"),
        ("sun_exposure", "done", "", {"minutes": 20.5}, "details.minutes"),
        ("sun_exposure", "done", "", {}, "details.minutes"),
        ("sun_exposure", "skipped", "rain", {}, None),
        ("sun_exposure", "skipped", "unwell", {}, None),
        ("sun_exposure", "skipped", "in_hospital", {}, None),
        ("sun_exposure", "skipped", "other", {}, None),
        ("sun_exposure", "skipped", "", {}, "reason"),
        ("sun_exposure", "skipped", "lười", {}, "reason"),
        ("sun_exposure", "refused", "", {}, "reason"),
        ("custom", "done", "", {}, None),
    ],
)
def test_it_says_what_a_completion_must_carry(kind, outcome, reason, details, field):
    problem = completion_details_check(
        kind=kind,
        outcome=outcome,
        reason=reason,
        details=details,
        portions=PORTIONS,
        sun_minutes=(1, 240),
    )
    assert (problem.field if problem else None) == field


@pytest.mark.parametrize(
    ("kind", "outcome", "code"),
    [
        ("medication", "done", "use_med_administer"),
        ("medication", "skipped", "use_med_administer"),
        ("disinfection", "done", "use_disinfection_record"),
        ("disinfection", "refused", "use_disinfection_record"),
        ("meal", "done", None),
    ],
)
def test_a_task_with_its_own_record_closes_only_through_it(kind, outcome, code):
    problem = completion_route_check(kind=kind, outcome=outcome, reason="lý do")
    assert (problem.code if problem else None) == code


@pytest.mark.parametrize(
    ("status", "minutes_past_end", "resident_status", "expected"),
    [
        ("pending", 30, None, None),  # inside grace
        ("pending", 60, None, None),  # exactly at the edge
        ("pending", 61, None, "missed"),
        ("pending", 61, "present", "missed"),
        ("pending", 61, "in_hospital", "away"),
        ("pending", 61, "on_leave", "away"),
        ("pending", 61, "discharged", "not_applicable"),
        ("pending", 61, "deceased", "not_applicable"),
        ("done", 600, None, None),
        ("missed", 600, None, None),  # idempotent
        ("away", 600, "in_hospital", None),
    ],
)
def test_it_sweeps_overdue_tasks(status, minutes_past_end, resident_status, expected):
    now = END + timedelta(minutes=minutes_past_end)
    assert (
        task_sweep_status(
            status=status, window_end=END, now=now, grace=GRACE, resident_status=resident_status
        )
        == expected
    )


@pytest.mark.parametrize(
    ("counts", "status", "code", "flags"),
    [
        ({"applied": 10}, "applied", "", ("applied:10",)),
        ({"applied": 8, "merged": 2}, "applied", "", ("applied:8", "merged:2")),
        ({"merged": 3}, "merged", "", ("merged:3",)),
        (
            {"applied": 5, "conflict": 1, "away": 1},
            "conflict",
            "bulk_partial_conflict",
            ("applied:5", "conflict:1", "away:1"),
        ),
        ({"away": 2}, "merged", "", ("away:2",)),
    ],
)
def test_it_summarises_a_bulk_completion(counts, status, code, flags):
    summary = bulk_summary(counts)
    assert (summary.status, summary.code, summary.flags) == (status, code, flags)
    assert summary.message.startswith("Đã ghi")
