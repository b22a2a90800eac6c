"""The projection and its delta service, fed with facts by hand (no database)."""

from datetime import datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

from server.live.dashboard import rules
from server.live.dashboard.projection import Projection
from server.live.groups import fact_of
from sync.registry import PendingChange

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SHIFT = rules.Shift(
    "day", datetime(2026, 11, 23, 6, tzinfo=VN), datetime(2026, 11, 23, 18, tzinfo=VN)
)
NOW = datetime(2026, 11, 23, 10, tzinfo=VN)
AREA, KITCHEN = str(uuid4()), str(uuid4())
CARER = str(uuid4())


def projection(**kwargs) -> Projection:
    return Projection(
        facility_id=uuid4(),
        shift=SHIFT,
        now=NOW,
        slot_minutes=30,
        norms=rules.DEFAULT_NORMS,
        areas={
            AREA: {"name": "Khu trẻ em", "kind": "care"},
            KITCHEN: {"name": "Bếp", "kind": "kitchen"},
        },
        carers={CARER: {"name": "Chị Lan", "area_ids": [AREA]}},
        **kwargs,
    )


def task(
    task_id: str,
    status: str = "pending",
    *,
    v: int = 1,
    due: datetime = NOW,
    kind: str = "meal",
    done_at: datetime | None = None,
    done_by: str | None = None,
) -> dict:
    return {
        "type": "task",
        "id": task_id,
        "v": v,
        "data": {
            "area_id": AREA,
            "kind": kind,
            "status": status,
            "title": "Bữa trưa",
            "resident_id": None,
            "due_at": due.isoformat(),
            "window_end": (due + timedelta(hours=1)).isoformat(),
            "done_at": done_at.isoformat() if done_at else None,
            "done_by": done_by,
        },
    }


def tile(p: Projection, kind: str = "meal") -> dict:
    return p.sections["tiles"][f"{AREA}|{kind}"]


def test_it_moves_one_count_per_transition_and_sends_only_what_changed():
    p = projection()
    a, b = str(uuid4()), str(uuid4())
    p.apply([task(a), task(b)], NOW)
    assert (tile(p)["total"], tile(p)["pending"], tile(p)["done"]) == (2, 2, 0)
    delta = p.apply([task(a, "done", v=2, done_at=NOW, done_by=CARER)], NOW)
    assert delta["tiles"]["set"][f"{AREA}|meal"]["done"] == 1
    assert delta["tiles"]["set"][f"{AREA}|meal"]["pending"] == 1
    assert delta["timeline"]["set"] == {
        "8": {"t": int((SHIFT.start + timedelta(hours=4)).timestamp()), "done": 1, "due": 2}
    }
    # a same-device correction: done -> refused moves the count, and the completion leaves the chart
    delta = p.apply([task(a, "refused", v=3)], NOW)
    assert (tile(p)["done"], tile(p)["not_done"], tile(p)["total"]) == (0, 1, 2)
    assert delta["timeline"]["set"]["8"]["done"] == 0


def test_it_ignores_an_older_version_and_a_replay():
    p = projection()
    a = str(uuid4())
    p.apply([task(a, "done", v=2, done_at=NOW)], NOW)
    assert p.apply([task(a, "pending", v=1)], NOW) == {}
    assert p.apply([task(a, "done", v=2, done_at=NOW)], NOW) == {}
    assert tile(p)["done"] == 1 and tile(p)["total"] == 1


def test_it_turns_pending_tasks_late_on_the_clock_and_lists_them():
    p = projection()
    a = str(uuid4())
    p.apply([task(a, due=NOW)], NOW)
    assert p.tick(NOW + timedelta(minutes=59)) == {}
    delta = p.tick(NOW + timedelta(hours=1))
    assert delta["tiles"]["set"][f"{AREA}|meal"]["late"] == 1
    assert delta["late"]["set"][a]["area"] == "Khu trẻ em"
    delta = p.apply(
        [task(a, "done", v=2, done_at=NOW + timedelta(hours=2))], NOW + timedelta(hours=2)
    )
    assert delta["late"]["del"] == [a]
    assert tile(p)["late"] == 0


def test_it_lists_missed_tasks_and_missed_and_late_doses():
    p = projection()
    meal, dose, dose2 = str(uuid4()), str(uuid4()), str(uuid4())
    p.apply([task(meal), task(dose, kind="medication"), task(dose2, kind="medication")], NOW)
    delta = p.apply([task(meal, "missed", v=2), task(dose, "missed", v=2, kind="medication")], NOW)
    assert list(delta["missed"]["set"]) == [meal]
    assert delta["doses"]["set"][f"t:{dose}"]["state"] == "missed"
    late_at = NOW + timedelta(hours=1, minutes=20)
    admin = str(uuid4())
    delta = p.apply(
        [
            {
                "type": "med_administration",
                "id": admin,
                "data": {
                    "task_id": dose2,
                    "outcome": "given",
                    "at": late_at.isoformat(),
                    "void": False,
                    "by": CARER,
                },
            }
        ],
        late_at,
    )
    assert delta["doses"]["set"][f"a:{admin}"]["state"] == "late"
    delta = p.apply(
        [
            {
                "type": "med_administration",
                "id": admin,
                "v": 2,
                "data": {
                    "task_id": dose2,
                    "outcome": "given",
                    "at": late_at.isoformat(),
                    "void": True,
                },
            }
        ],
        late_at,
    )
    assert delta["doses"]["del"] == [f"a:{admin}"]


def test_it_keeps_tasks_of_other_shifts_out():
    p = projection()
    p.apply(
        [
            task(str(uuid4()), due=SHIFT.end),
            task(str(uuid4()), due=SHIFT.start - timedelta(minutes=1)),
        ],
        NOW,
    )
    assert p.sections["tiles"] == {}


def conflict(
    cid: str, kind: str, status: str = "open", v: int = 1, severity: str = "normal"
) -> dict:
    return {
        "type": "conflict",
        "id": cid,
        "v": v,
        "data": {
            "kind": kind,
            "severity": severity,
            "status": status,
            "message": "…",
            "subject_type": "task",
            "subject_id": str(uuid4()),
            "opened_at": NOW.isoformat(),
        },
    }


def test_it_raises_an_alarm_for_double_dose_and_drops_resolved_conflicts():
    p = projection()
    dd, other = str(uuid4()), str(uuid4())
    delta = p.apply(
        [conflict(dd, "double_dose", severity="high"), conflict(other, "contradictory_outcome")],
        NOW,
    )
    assert delta["conflicts"]["set"][dd]["alarm"] is True
    assert delta["conflicts"]["set"][other]["alarm"] is False
    delta = p.apply([conflict(dd, "double_dose", status="resolved", v=2, severity="high")], NOW)
    assert delta == {"conflicts": {"set": {}, "del": [dd]}}


def sample(
    sid: str, *, keep_until: datetime, v: int = 1, discarded: bool = False, dish: str = "Canh chua"
) -> dict:
    return {
        "type": "food_sample",
        "id": sid,
        "v": v,
        "data": {
            "meal": "lunch",
            "dish": dish,
            "meal_date": "2026-11-23",
            "taken_at": NOW.isoformat(),
            "keep_until": keep_until.isoformat(),
            "discarded_at": NOW.isoformat() if discarded else None,
            "hold": False,
            "void": False,
            "taken_by": None,
        },
    }


def test_it_lists_samples_due_this_shift_until_discarded():
    p = projection()
    due, later = str(uuid4()), str(uuid4())
    delta = p.apply(
        [sample(due, keep_until=NOW), sample(later, keep_until=SHIFT.end + timedelta(hours=1))], NOW
    )
    assert list(delta["samples_due"]["set"]) == [due]
    delta = p.apply([sample(due, keep_until=NOW, v=2, discarded=True)], NOW)
    assert delta["samples_due"]["del"] == [due]


def test_it_lists_locked_menu_dishes_without_a_sample():
    p = projection()
    soup, rice = str(uuid4()), str(uuid4())
    menu = [
        {
            "type": "menu_dish",
            "id": i,
            "data": {"date": "2026-11-23", "meal": "lunch", "dish": d, "locked": True},
        }
        for i, d in ((soup, "Canh chua"), (rice, "Cơm"))
    ]
    p.apply(menu, NOW)
    assert set(p.sections["samples_missing"]) == {soup, rice}
    delta = p.apply(
        [sample(str(uuid4()), keep_until=NOW + timedelta(days=1), dish="  canh  CHUA ")], NOW
    )
    assert delta["samples_missing"]["del"] == [soup]


def test_it_lists_residents_away_and_counts_the_rota_against_the_norms():
    p = projection(rota={CARER: {"name": "Chị Lan", "area_ids": [AREA]}})
    kid = str(uuid4())
    p.apply(
        [
            {
                "type": "resident",
                "id": kid,
                "data": {
                    "full_name": "Bé An",
                    "room": "P1",
                    "area_id": AREA,
                    "status": "present",
                    "categories": ["child"],
                    "severe_disability": False,
                    "birth_date": "2025-12-01",
                },
            }
        ],
        NOW,
    )
    assert p.sections["staffing"][AREA]["required"] == 1
    assert p.sections["staffing"][AREA]["carers"] == ["Chị Lan"]
    assert p.sections["staffing"]["total"]["short"] == 0
    # Recording something makes nobody on shift: the rota says who is.
    delta = p.apply([task(str(uuid4()), "done", done_at=NOW, done_by=CARER)], NOW)
    assert "staffing" not in delta
    delta = p.apply(
        [{"type": "resident", "id": kid, "v": 2, "data": {"status": "in_hospital"}}], NOW
    )
    assert delta["away"]["set"][kid]["name"] == "Bé An"
    assert delta["staffing"]["set"][AREA]["required"] == 0
    delta = p.apply([{"type": "resident", "id": kid, "v": 3, "data": {"status": "present"}}], NOW)
    assert delta["away"]["del"] == [kid]


def test_it_shows_a_carer_who_records_off_the_rota_apart():
    p = projection()
    assert p.snapshot()["sections"]["staffing"][AREA]["carers"] == []
    delta = p.apply([task(str(uuid4()), "done", done_at=NOW, done_by=CARER)], NOW)
    item = delta["staffing"]["set"][AREA]
    assert (item["on_shift"], item["carers"], item["off_rota"]) == (0, [], ["Chị Lan"])


def test_it_keeps_resolved_conflicts_without_alarm_in_a_finished_shift():
    p = projection(past=True)
    dd = str(uuid4())
    p.apply([conflict(dd, "double_dose", status="resolved", severity="high")], NOW)
    item = p.sections["conflicts"][dd]
    assert (item["status"], item["alarm"]) == ("resolved", False)


def test_it_cuts_a_change_down_to_a_json_fact():
    change = PendingChange(
        facility_id=uuid4(),
        type="conflict",
        record_id=uuid4(),
        area_id=None,
        op="upsert",
        version=2,
        data={
            "kind": "double_dose",
            "status": "open",
            "severity": "high",
            "details": {"by": uuid4(), "at": NOW},
            "event_ids": ["x"] * 50,
        },
    )
    fact = fact_of(change)
    assert fact["v"] == 2 and "event_ids" not in fact["data"]
    assert isinstance(fact["data"]["details"]["by"], str) and fact["data"]["details"][
        "at"
    ].startswith("2026-11-23")
    note = PendingChange(
        facility_id=uuid4(),
        type="note",
        record_id=uuid4(),
        area_id=None,
        op="upsert",
        version=1,
        data={"text": "…", "by": CARER},
    )
    assert fact_of(note) == {"type": "actor", "id": str(note.record_id), "data": {"by": CARER}}


def test_a_phone_that_falls_silent_turns_stale_on_a_tick_and_an_old_fact_never_wins():
    p = projection()
    device = str(uuid4())
    seen = NOW - timedelta(hours=23)

    def fact(at, version):
        return {
            "type": "device",
            "id": device,
            "v": version,
            "data": {
                "name": "Máy A",
                "last_seen_at": at.isoformat(),
                "queued": 0,
                "queued_since": None,
            },
        }

    p.apply([fact(seen, 2)], NOW)
    assert p.snapshot()["sections"]["devices"][device]["warnings"] == []
    assert p.tick(NOW + timedelta(minutes=30)) == {}
    delta = p.tick(NOW + timedelta(hours=2))
    assert delta["devices"]["set"][device]["warnings"] == ["stale"]
    assert p.apply([fact(seen - timedelta(days=3), 1)], NOW + timedelta(hours=2)) == {}
