from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.care.resident_rules import Move
from server.live.dashboard import rules
from server.live.dashboard.rules import Person

VN = ZoneInfo("Asia/Ho_Chi_Minh")
STARTS = rules.shifts_parse("day=06:00,night=18:00")


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=VN)


@pytest.mark.parametrize(
    ("now", "name", "start", "end"),
    [
        (at(23, 6), "day", at(23, 6), at(23, 18)),
        (at(23, 17, 59), "day", at(23, 6), at(23, 18)),
        (at(23, 18), "night", at(23, 18), at(24, 6)),
        (at(24, 2), "night", at(23, 18), at(24, 6)),
        (at(24, 5, 59), "night", at(23, 18), at(24, 6)),
        # the same moment in UTC is the same shift
        (at(23, 7).astimezone(ZoneInfo("UTC")), "day", at(23, 6), at(23, 18)),
    ],
)
def test_it_places_a_moment_in_its_shift(now, name, start, end):
    shift = rules.shift_at(now, STARTS, VN)
    assert (shift.name, shift.start, shift.end) == (name, start, end)


def test_it_supports_three_shifts_and_refuses_bad_specs():
    starts = rules.shifts_parse("s3=22:00, s1=06:00, s2=14:00")
    assert [n for n, _ in starts] == ["s1", "s2", "s3"]
    assert rules.shift_at(at(23, 23), starts, VN).end == at(24, 6)
    for bad in ["", "day", "a=06:00,b=06:00", "a=25:00"]:
        with pytest.raises(ValueError):
            rules.shifts_parse(bad)


END = at(23, 12)


@pytest.mark.parametrize(
    ("status", "now", "bucket"),
    [
        ("pending", at(23, 11), "pending"),
        ("pending", at(23, 12), "late"),
        ("pending", at(23, 13), "late"),
        ("done", at(23, 13), "done"),
        ("partial", at(23, 13), "done"),
        ("refused", at(23, 11), "not_done"),
        ("skipped", at(23, 11), "not_done"),
        ("not_applicable", at(23, 11), "not_done"),
        ("away", at(23, 13), "away"),
        ("missed", at(23, 13), "missed"),
    ],
)
def test_it_buckets_a_task_by_status_and_clock(status, now, bucket):
    assert rules.task_bucket(status, END, now) == bucket


def test_it_finds_the_timeline_slot():
    shift = rules.Shift("day", at(23, 6), at(23, 18))
    assert rules.slot_count(shift, 30) == 24
    assert rules.slot_of(at(23, 6), shift, 30) == 0
    assert rules.slot_of(at(23, 6, 29), shift, 30) == 0
    assert rules.slot_of(at(23, 7, 45), shift, 30) == 3
    assert rules.slot_of(at(23, 18), shift, 30) is None
    assert rules.slot_of(at(23, 5), shift, 30) is None
    assert rules.slot_of(None, shift, 30) is None


@pytest.mark.parametrize(
    ("outcome", "minutes_after_window", "late"),
    [
        ("given", 1, True),
        ("partial", 5, True),
        ("given", 0, False),
        ("given", -10, False),
        ("refused", 30, False),
        ("withheld", 30, False),
    ],
)
def test_it_tells_a_late_dose(outcome, minutes_after_window, late):
    assert rules.dose_late(outcome, END + timedelta(minutes=minutes_after_window), END) is late


TODAY = date(2026, 11, 23)


def child(years: float, *categories: str, severe: bool = False) -> Person:
    born = TODAY - timedelta(days=int(years * 365.25))
    return Person(born, ("child", *categories), severe)


@pytest.mark.parametrize(
    ("people", "required", "groups"),
    [
        ([], 0, {}),
        ([child(1), child(1.2)], 2, {"infant": 2}),
        ([child(3)] * 6, 1, {"young": 6}),
        ([child(3)] * 7, 2, {"young": 7}),
        ([child(3, "disability")] * 4 + [child(4, severe=True)], 2, {"young_disabled": 5}),
        ([child(8)] * 10 + [child(10, "psychiatric")] * 6, 3, {"school": 10, "school_disabled": 6}),
        # adults count too, by the centre's own defaults: past 16 a resident is an adult
        ([Person(date(1940, 1, 1), ("lonely_elderly",), False), child(17)], 1, {"adult": 2}),
        ([Person(date(1950, 1, 1), ("lonely_elderly",), False)] * 11, 2, {"adult": 11}),
        ([Person(date(1980, 1, 1), ("psychiatric",), False)] * 5, 1, {"adult_disabled": 5}),
        ([Person(date(1990, 1, 1), ("disability",), True)] * 6, 2, {"adult_disabled": 6}),
        # an elderly resident without a birth date is an adult of unknown age
        ([Person(None, ("lonely_elderly",), False)], 1, {"adult": 1}),
    ],
)
def test_it_counts_carers_the_norms_require(people, required, groups):
    need = rules.staffing_required(people, TODAY)
    assert need["required"] == required
    assert {g["key"]: g["residents"] for g in need["groups"]} == groups


def test_it_reports_children_without_birth_date_as_unplaced():
    need = rules.staffing_required([Person(None, ("child",), False)], TODAY)
    assert need == {"required": 0, "groups": [], "unplaced": 1}


def test_it_lets_a_facility_set_its_own_adult_ratio_and_leave_adults_out():
    adults_only = rules.norms_from_setting(
        [
            {
                "key": "adult",
                "label": "Người lớn",
                "min_months": 192,
                "max_months": 1800,
                "disabled": None,
                "per_carer": 4,
            }
        ]
    )
    elderly = [Person(date(1945, 5, 1), ("lonely_elderly",), False)] * 9
    assert rules.staffing_required(elderly, TODAY, adults_only)["required"] == 3
    # a child is left out by these norms: unplaced, so the gap shows
    assert rules.staffing_required([child(5)], TODAY, adults_only)["unplaced"] == 1


def test_it_takes_norms_from_the_facility_setting():
    norms = rules.norms_from_setting(
        [
            {
                "key": "all",
                "label": "Trẻ",
                "min_months": 0,
                "max_months": 216,
                "disabled": None,
                "per_carer": 3,
            }
        ]
    )
    assert rules.staffing_required([child(2)] * 4, TODAY, norms)["required"] == 2
    assert rules.norms_from_setting(None) == rules.DEFAULT_NORMS


H = datetime(2026, 11, 23, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
START, STOP = H + timedelta(hours=6), H + timedelta(hours=18)


def move(hour: float, status: str, previous: str, place: str = "", key: str = "") -> tuple:
    return (Move(H + timedelta(hours=hour), status, previous, key or f"{hour}"), place)


@pytest.mark.parametrize(
    ("moves", "current", "expected"),
    [
        ([], ("present", ""), ("present", "")),
        ([], ("in_hospital", "BV tỉnh"), ("in_hospital", "BV tỉnh")),
        # in hospital from 10:00 to 14:00: away during the shift, though present now
        (
            [move(10, "in_hospital", "present", "BV tỉnh"), move(14, "present", "in_hospital")],
            ("present", ""),
            ("in_hospital", "BV tỉnh"),
        ),
        # on leave since the day before, back after the shift
        (
            [move(-20, "on_leave", "present", "Nhà"), move(30, "present", "on_leave")],
            ("present", ""),
            ("on_leave", "Nhà"),
        ),
        # left only after the shift ended: present during it
        ([move(19, "in_hospital", "present", "BV")], ("in_hospital", "BV"), ("present", "")),
        # discharged before the shift: not there
        ([move(-30, "discharged", "present")], ("discharged", ""), ("discharged", "")),
        # died during the shift: present at its start
        ([move(12, "deceased", "present")], ("deceased", ""), ("present", "")),
    ],
)
def test_it_tells_where_a_resident_was_during_a_finished_shift(moves, current, expected):
    assert rules.status_during(moves, current=current, start=START, end=STOP) == expected
