"""The eMAR rules as tables (server/meds/rules.py): no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.meds import rules
from server.meds.rules import DoseRecord, Witness

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.mark.parametrize(
    ("role", "controlled", "carers_may", "code"),
    [
        ("nurse", True, False, None),
        ("manager", True, False, None),
        ("admin", True, True, None),
        ("nurse", False, False, None),
        ("carer", False, True, None),
        ("carer", False, False, "forbidden"),
        ("carer", True, True, "forbidden"),
        ("kitchen", False, True, "forbidden"),
        ("kitchen", True, True, "forbidden"),
    ],
)
def test_it_decides_who_may_record_a_dose(role, controlled, carers_may, code):
    refusal = rules.permission_check(role=role, controlled=controlled, carers_may_record=carers_may)
    assert (refusal.code if refusal else None) == code


@pytest.mark.parametrize(
    ("outcome", "dose", "reason", "code"),
    [
        ("given", None, "", None),
        ("partial", "1/2 viên", "", None),
        ("partial", None, "", "dose_required"),
        ("partial", "  ", "", "dose_required"),
        ("withheld", None, "huyết áp thấp", None),
        ("withheld", None, "", "reason_required"),
        ("withheld", None, "   ", "reason_required"),
        ("refused", None, "", None),
        ("entered_in_error", None, "", None),
    ],
)
def test_it_requires_a_dose_for_partial_and_a_reason_for_withheld(outcome, dose, reason, code):
    refusal = rules.outcome_check(outcome=outcome, dose=dose, reason=reason)
    assert (refusal.code if refusal else None) == code


@pytest.mark.parametrize(
    ("controlled", "outcome", "witness", "code"),
    [
        (False, "given", Witness(named=False), None),
        (True, "given", Witness(named=False), "witness_required"),
        (
            True,
            "given",
            Witness(named=True, is_recorder=True, active_member_of_facility=True),
            "witness_required",
        ),
        (True, "given", Witness(named=True, active_member_of_facility=False), "witness_required"),
        (True, "given", Witness(named=True, active_member_of_facility=True), None),
        (True, "partial", Witness(named=False), "witness_required"),
        (True, "refused", Witness(named=False), "witness_required"),
        (True, "away", Witness(named=False), None),
        (True, "unavailable", Witness(named=False), None),
        (True, "entered_in_error", Witness(named=False), None),
    ],
)
def test_it_requires_another_active_staff_member_to_witness_a_controlled_drug(
    controlled, outcome, witness, code
):
    refusal = rules.witness_check(controlled=controlled, outcome=outcome, witness=witness)
    assert (refusal.code if refusal else None) == code


@pytest.mark.parametrize(
    ("minutes_from_due", "window", "inside", "flag"),
    [
        (0, 60, True, ""),
        (60, 60, True, ""),
        (-60, 60, True, ""),
        (61, 60, False, "late"),
        (-61, 60, False, "early"),
        (-31, 30, False, "early"),
        (119, 120, True, ""),
        (121, 120, False, "late"),
    ],
)
def test_it_checks_the_dose_window(minutes_from_due, window, inside, flag):
    verdict = rules.window_check(
        due_at=T0, at=T0 + timedelta(minutes=minutes_from_due), window_minutes=window
    )
    assert (verdict.inside, verdict.flag) == (inside, flag)


@pytest.mark.parametrize(
    ("outcome", "inside", "reason", "code"),
    [
        ("given", True, "", None),
        ("given", False, "", "reason_required"),
        ("given", False, "đi khám về muộn", None),
        ("refused", False, "", "reason_required"),
        ("away", False, "", None),
        ("entered_in_error", False, "", None),
    ],
)
def test_it_needs_a_reason_outside_the_window(outcome, inside, reason, code):
    verdict = rules.WindowVerdict(inside, "" if inside else "late")
    refusal = rules.window_refusal(outcome=outcome, verdict=verdict, reason=reason)
    assert (refusal.code if refusal else None) == code


@pytest.mark.parametrize(
    ("outcome", "earlier", "clashes"),
    [
        ("given", [], []),
        ("given", [DoseRecord("a", "given", h(0))], ["a"]),
        ("partial", [DoseRecord("a", "given", h(0))], ["a"]),
        ("given", [DoseRecord("a", "partial", h(0))], ["a"]),
        ("given", [DoseRecord("a", "refused", h(0))], []),
        ("given", [DoseRecord("a", "vomited", h(0))], []),
        ("refused", [DoseRecord("a", "given", h(0))], []),
        ("given", [DoseRecord("a", "given", h(0)), DoseRecord("b", "given", h(0.1))], ["a", "b"]),
    ],
)
def test_it_calls_a_second_dose_taken_a_double_dose(outcome, earlier, clashes):
    assert rules.double_dose_check(outcome=outcome, earlier=earlier) == clashes


@pytest.mark.parametrize(
    ("at", "earlier", "interval", "max24", "interval_keys", "over_keys"),
    [
        # nothing before: fine
        (h(0), [], 240, 3, (), ()),
        # 4 h apart with a 4 h minimum: fine (the edge is allowed)
        (h(4), [DoseRecord("a", "given", h(0))], 240, 3, (), ()),
        # 3 h apart: too soon
        (h(3), [DoseRecord("a", "given", h(0))], 240, 3, ("a",), ()),
        # a late-arriving EARLIER dose that crowds a stored later one
        (h(0), [DoseRecord("b", "given", h(2))], 240, None, ("b",), ()),
        # a refusal is no dose
        (h(1), [DoseRecord("a", "refused", h(0))], 240, 3, (), ()),
        # 4th dose in 24 h with a maximum of 3
        (
            h(18),
            [
                DoseRecord("a", "given", h(0)),
                DoseRecord("b", "given", h(6)),
                DoseRecord("c", "given", h(12)),
            ],
            240,
            3,
            (),
            ("a", "b", "c"),
        ),
        # 24 h after the first: that one has left the span
        (
            h(24),
            [
                DoseRecord("a", "given", h(0)),
                DoseRecord("b", "given", h(6)),
                DoseRecord("c", "given", h(12)),
            ],
            240,
            3,
            (),
            (),
        ),
        # an earlier dose arriving late pushes a span ending at a stored dose over the max
        (
            h(1),
            [
                DoseRecord("b", "given", h(6)),
                DoseRecord("c", "given", h(12)),
                DoseRecord("d", "given", h(18)),
            ],
            None,
            3,
            (),
            ("b", "c", "d"),
        ),
        # no limits set on the order
        (h(0), [DoseRecord("a", "given", h(0))], None, None, (), ()),
    ],
)
def test_it_checks_prn_interval_and_daily_maximum_by_when_doses_were_given(
    at, earlier, interval, max24, interval_keys, over_keys
):
    verdict = rules.prn_check(
        at=at, earlier=earlier, min_interval_minutes=interval, max_per_24h=max24
    )
    assert verdict.interval_keys == interval_keys
    assert verdict.over_max_keys == over_keys
    assert verdict.violated == bool(interval_keys or over_keys)


@pytest.mark.parametrize(
    ("records", "status", "key"),
    [
        ([], ("pending"), None),
        ([DoseRecord("a", "given", h(0))], "done", "a"),
        ([DoseRecord("a", "partial", h(0))], "partial", "a"),
        ([DoseRecord("a", "refused", h(0)), DoseRecord("b", "given", h(0.5))], "done", "b"),
        # the same two, arrived the other way round: same answer
        ([DoseRecord("b", "given", h(0.5)), DoseRecord("a", "refused", h(0))], "done", "b"),
        ([DoseRecord("a", "refused", h(0)), DoseRecord("b", "withheld", h(0.5))], "skipped", "b"),
        ([DoseRecord("a", "away", h(0))], "away", "a"),
        ([DoseRecord("a", "unavailable", h(0))], "skipped", "a"),
        ([DoseRecord("a", "vomited", h(0))], "done", "a"),
        ([DoseRecord("a", "partial", h(0)), DoseRecord("b", "given", h(1))], "done", "b"),
        ([DoseRecord("a", "given", h(1)), DoseRecord("b", "given", h(0))], "done", "b"),
        ([DoseRecord("a", "entered_in_error", h(0))], "pending", None),
    ],
)
def test_it_derives_the_task_status_from_the_dose_records_in_any_order(records, status, key):
    assert rules.task_status_of(records) == (status, key)
