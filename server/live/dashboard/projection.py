"""The dashboard projection of one facility for one shift, and the delta service over it.

A `Projection` is plain memory: it is built once by `snapshot.dashboard_snapshot` (which
replays the current rows as facts) and then updated by `apply` with the facts of each
committed sync transaction, and by `tick` when only the clock moved (a task turning late).
Nothing here touches the database, so an update costs what the facts cost, never a recount.

What the browser sees is `sections` (kept by `rules.SectionView`): section -> key -> JSON
item. `apply`/`tick` return only the keys whose item changed. Behind the sections the projection
keeps the last-known state of every task of the shift (status, bucket, slot, version), so a
transition (pending -> done, done -> refused by a correction, pending -> missed by the sweep)
moves exactly one count from one bucket to another. Facts carry the record's version; an older
version than the one applied is ignored: replaying a fact (snapshot and channel) is harmless."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from server.live.dashboard import rules
from server.live.dashboard.device_section import DeviceSection
from server.live.dashboard.rules import Norm, SectionView, Shift
from server.live.dashboard.stock_section import StockSection

ABSENT_STATUSES = rules.ABSENT
ACTOR_FIELDS = ("done_by", "by", "taken_by", "discarded_by")
SECTIONS = (
    *("tiles", "timeline", "late", "missed", "doses", "conflicts"),
    *("samples_due", "samples_missing", "away", "staffing", "stock", "devices"),
)


def dish_key(meal: str, dish: str) -> str:
    return f"{meal}|{' '.join(dish.casefold().split())}"


class Projection:
    def __init__(
        self,
        *,
        facility_id: UUID,
        shift: Shift,
        now: datetime,
        slot_minutes: int,
        norms: tuple[Norm, ...],
        areas: dict[str, dict],
        carers: dict[str, dict],
        rota: dict[str, dict] | None = None,
        past: bool = False,
    ) -> None:
        self.facility_id = facility_id
        self.shift = shift
        self.now = now
        self.slot_minutes = slot_minutes
        self.norms = norms
        self.areas = areas
        self.carers = carers  # user id -> {"name", "area_ids"}: the centre's carers
        self.rota = rota or {}  # on shift: user id -> {"name", "area_ids"}; others are off it
        self.past = past  # a finished shift, read back: conflicts keep their outcome
        self.about: dict[str, Any] = {}  # the snapshot's word on the shifts around this one
        self.view = SectionView(SECTIONS)
        self.sections = self.view.sections
        self.tasks: dict[str, dict[str, Any]] = {}
        self.residents: dict[str, dict[str, Any]] = {}
        self.off_rota: set[str] = set()
        self.versions: dict[tuple[str, str], int] = {}
        self.menu: dict[str, dict[str, str]] = {}  # locked menu dish id -> {meal, dish, key}
        self.samples_taken: set[str] = set()
        self.stock = StockSection(self.view, shift.local_date())
        self.devices = DeviceSection(self.view, clock=lambda: self.now)
        self._tiles: dict[str, Counter[str]] = {}
        self._slots = rules.slot_count(shift, slot_minutes)
        self._done = [0] * self._slots
        self._due = [0] * self._slots
        self._late_heap: list[tuple[datetime, str]] = []
        self._dirty_tiles: set[str] = set()
        self._dirty_slots: set[int] = set(range(self._slots))
        care = (k for k, a in areas.items() if a["kind"] == "care")
        self._dirty_staffing: set[str] = {"total", *care}

    # -- the view -------------------------------------------------------------------------
    def _flush(self) -> dict[str, Any]:
        for key in self._dirty_tiles:
            counts = self._tiles.get(key, Counter())
            if sum(counts.values()) == 0:
                self.view.delete("tiles", key)
                continue
            area_id, kind = key.split("|")
            self.view.set(
                "tiles",
                key,
                {
                    "area_id": area_id,
                    "area": self.areas.get(area_id, {}).get("name", "?"),
                    "kind": kind,
                    "total": sum(counts.values()),
                    **{b: counts[b] for b in rules.BUCKETS},
                },
            )
        for slot in self._dirty_slots:
            start = self.shift.start.timestamp() + slot * self.slot_minutes * 60
            self.view.set(
                "timeline",
                str(slot),
                {"t": int(start), "done": self._done[slot], "due": self._due[slot]},
            )
        for key in self._dirty_staffing:
            self.view.set("staffing", key, self._staffing(None if key == "total" else key))
        self._dirty_tiles.clear()
        self._dirty_slots.clear()
        self._dirty_staffing.clear()
        return self.view.take_delta()

    # -- the delta service ----------------------------------------------------------------
    def fact_handlers(self) -> dict[str, Any]:
        """The fact types the board reads: each declares its `dashboard` fields (sync.py)."""
        return {
            "task": self._task,
            "conflict": self._conflict,
            "resident": self._resident,
            "food_sample": self._sample,
            "menu_dish": self._menu_dish,
            "med_administration": self._administration,
            "medicine": self.stock.medicine,
            "stock_level": self.stock.level,
            "device": self.devices.device,  # not a change: accounts.services sends it
        }

    def apply(self, facts: Iterable[dict[str, Any]], now: datetime) -> dict[str, Any]:
        """Apply one commit's facts; return the changed keys per section (empty: nothing to send)."""
        handlers = self.fact_handlers()
        self.now = now
        for fact in facts:
            data = fact.get("data") or {}
            self._actor(data)
            handler = handlers.get(fact["type"])
            if handler is None:
                continue  # e.g. "actor": a note or a food check only tells who is at work
            ident = (fact["type"], fact["id"])
            version = int(fact.get("v") or 1)
            if version < self.versions.get(ident, 0):
                continue  # an older state than the one applied (replay after the snapshot)
            self.versions[ident] = version
            handler(fact["id"], data, deleted=fact.get("op") == "delete")
        self._turn_late()
        return self._flush()

    def tick(self, now: datetime) -> dict[str, Any]:
        """Only the clock moved: pending tasks whose window closed become late."""
        self.now = now
        self._turn_late()
        self.devices.tick()  # a phone falls silent without a fact saying so
        return self._flush()

    def snapshot(self) -> dict[str, Any]:
        self._flush()
        return {
            "shift": self.shift.wire(),
            "past": self.past,
            **self.about,
            "slot_minutes": self.slot_minutes,
            "areas": self.areas,
            "sections": self.sections,
        }

    # -- tasks ----------------------------------------------------------------------------
    def _task(self, task_id: str, d: dict[str, Any], *, deleted: bool) -> None:
        old = self.tasks.pop(task_id, None)
        if old is not None:
            self._task_count(old, -1)
        due_at = rules.parse_time(d.get("due_at"))
        if deleted or due_at is None or not (self.shift.start <= due_at < self.shift.end):
            self._task_lists(task_id, None)
            return
        window_end = rules.parse_time(d.get("window_end")) or due_at
        task = {
            "area_id": d.get("area_id"),
            "kind": d.get("kind", "custom"),
            "status": d.get("status", "pending"),
            "title": d.get("title", ""),
            "resident_id": d.get("resident_id"),
            "due_at": due_at,
            "window_end": window_end,
            "done_slot": None,
            "due_slot": rules.slot_of(due_at, self.shift, self.slot_minutes),
        }
        task["bucket"] = rules.task_bucket(task["status"], window_end, self.now)
        if task["status"] in rules.COMPLETED_STATUSES:
            task["done_slot"] = rules.slot_of(
                rules.parse_time(d.get("done_at")), self.shift, self.slot_minutes
            )
        if task["bucket"] == "pending":
            heapq.heappush(self._late_heap, (window_end, task_id))
        self.tasks[task_id] = task
        self._task_count(task, +1)
        self._task_lists(task_id, task)

    def _task_count(self, task: dict[str, Any], sign: int) -> None:
        key = f"{task['area_id']}|{task['kind']}"
        self._tiles.setdefault(key, Counter())[task["bucket"]] += sign
        self._dirty_tiles.add(key)
        for slot, counts in ((task["due_slot"], self._due), (task["done_slot"], self._done)):
            if slot is not None:
                counts[slot] += sign
                self._dirty_slots.add(slot)

    def _task_item(self, task: dict[str, Any]) -> dict[str, Any]:
        resident = self.residents.get(task["resident_id"] or "", {})
        return {
            "title": task["title"],
            "kind": task["kind"],
            "area_id": task["area_id"],
            "area": self.areas.get(task["area_id"], {}).get("name", "?"),
            "resident": resident.get("name", ""),
            "room": resident.get("room", ""),
            "due_at": task["due_at"].isoformat(),
            "window_end": task["window_end"].isoformat(),
        }

    def _task_lists(self, task_id: str, task: dict[str, Any] | None) -> None:
        bucket = task["bucket"] if task else None
        medication = task is not None and task["kind"] == "medication"
        for section, wanted in (
            ("late", bucket == "late"),
            ("missed", bucket == "missed" and not medication),
        ):
            if wanted and task:
                self.view.set(section, task_id, self._task_item(task))
            else:
                self.view.delete(section, task_id)
        if task and medication and bucket == "missed":
            self.view.set("doses", f"t:{task_id}", {**self._task_item(task), "state": "missed"})
        else:
            self.view.delete("doses", f"t:{task_id}")

    def _turn_late(self) -> None:
        while self._late_heap and self._late_heap[0][0] <= self.now:
            window_end, task_id = heapq.heappop(self._late_heap)
            task = self.tasks.get(task_id)
            if task is None or task["bucket"] != "pending" or task["window_end"] != window_end:
                continue  # completed, moved or re-pushed since: a stale heap entry
            self._task_count(task, -1)
            task["bucket"] = "late"
            self._task_count(task, +1)
            self._task_lists(task_id, task)

    # -- medication -----------------------------------------------------------------------
    def _administration(self, admin_id: str, d: dict[str, Any], *, deleted: bool) -> None:
        task = self.tasks.get(d.get("task_id") or "")
        at = rules.parse_time(d.get("at"))
        late = (
            not deleted
            and not d.get("void")
            and task is not None
            and at is not None
            and rules.dose_late(d.get("outcome", ""), at, task["window_end"])
        )
        if late and task is not None and at is not None:
            self.view.set(
                "doses",
                f"a:{admin_id}",
                {**self._task_item(task), "state": "late", "at": at.isoformat()},
            )
        else:
            self.view.delete("doses", f"a:{admin_id}")

    # -- conflicts ------------------------------------------------------------------------
    def _conflict(self, conflict_id: str, d: dict[str, Any], *, deleted: bool) -> None:
        if deleted or (d.get("status") != "open" and not self.past):
            self.view.delete("conflicts", conflict_id)
            return
        alarm = d.get("status") == "open" and (
            d.get("kind") == "double_dose" or d.get("severity") == "high"
        )
        self.view.set(
            "conflicts",
            conflict_id,
            {
                "kind": d.get("kind"),
                "severity": d.get("severity"),
                "status": d.get("status"),
                "alarm": alarm,
                "message": d.get("message", ""),
                "subject_type": d.get("subject_type"),
                "subject_id": d.get("subject_id"),
                "area_id": d.get("area_id"),
                "opened_at": d.get("opened_at"),
                "details": d.get("details") or {},
            },
        )

    # -- kitchen --------------------------------------------------------------------------
    def _sample(self, sample_id: str, d: dict[str, Any], *, deleted: bool) -> None:
        keep_until = rules.parse_time(d.get("keep_until"))
        gone = deleted or d.get("void") or d.get("discarded_at")
        if not gone and keep_until is not None and keep_until <= self.shift.end:
            self.view.set(
                "samples_due",
                sample_id,
                {
                    "meal": d.get("meal"),
                    "dish": d.get("dish"),
                    "taken_at": d.get("taken_at"),
                    "keep_until": keep_until.isoformat(),
                    "hold": bool(d.get("hold")),
                },
            )
        else:
            self.view.delete("samples_due", sample_id)
        taken_at = rules.parse_time(d.get("taken_at"))
        meal_date = d.get("meal_date") or (
            taken_at.astimezone(self.shift.start.tzinfo).date().isoformat() if taken_at else None
        )
        if deleted or d.get("void") or meal_date != self._menu_date().isoformat():
            return
        key = dish_key(d.get("meal", ""), d.get("dish", ""))
        self.samples_taken.add(key)
        for menu_id, dish in self.menu.items():
            if dish["key"] == key:
                self.view.delete("samples_missing", menu_id)

    def _menu_dish(self, menu_id: str, d: dict[str, Any], *, deleted: bool) -> None:
        self.menu.pop(menu_id, None)
        if deleted or not d.get("locked") or d.get("date") != self._menu_date().isoformat():
            self.view.delete("samples_missing", menu_id)
            return
        key = dish_key(d.get("meal", ""), d.get("dish", ""))
        self.menu[menu_id] = {"meal": d.get("meal", ""), "dish": d.get("dish", ""), "key": key}
        if key in self.samples_taken:
            self.view.delete("samples_missing", menu_id)
        else:
            self.view.set(
                "samples_missing", menu_id, {"meal": d.get("meal"), "dish": d.get("dish")}
            )

    def _menu_date(self) -> date:
        return self.shift.local_date()

    # -- residents and staffing -----------------------------------------------------------
    def _resident(self, resident_id: str, d: dict[str, Any], *, deleted: bool) -> None:
        old = self.residents.get(resident_id, {})
        merged = {
            **old,
            "name": d.get("full_name", old.get("name", "")),
            "room": d.get("room", old.get("room", "")),
            "area_id": d.get("area_id", old.get("area_id")),
            "status": d.get("status", old.get("status")),
            "place": d.get("status_place") or d.get("place") or old.get("place", ""),
            "categories": tuple(d.get("categories") or old.get("categories", ())),
            "severe_disability": bool(
                d.get("severe_disability", old.get("severe_disability", False))
            ),
            "birth_date": d.get("birth_date", old.get("birth_date")),
        }
        self.residents[resident_id] = merged
        if not deleted and merged["status"] in ABSENT_STATUSES:
            self.view.set(
                "away",
                resident_id,
                {
                    "name": merged["name"],
                    "room": merged["room"],
                    "area_id": merged["area_id"],
                    "area": self.areas.get(merged["area_id"] or "", {}).get("name", "?"),
                    "status": merged["status"],
                    "place": merged["place"],
                },
            )
        else:
            self.view.delete("away", resident_id)
        self._dirty_staffing |= {
            "total",
            *(a for a in (old.get("area_id"), merged["area_id"]) if a),
        }

    def _actor(self, data: dict[str, Any]) -> None:
        for field in ACTOR_FIELDS:
            user_id = data.get(field)
            if user_id in self.carers and user_id not in self.rota and user_id not in self.off_rota:
                self.off_rota.add(user_id)
                self._dirty_staffing |= {"total", *self.carers[user_id]["area_ids"]}

    def _staffing(self, area_id: str | None) -> dict[str, Any]:
        """The rota's carers against the norms, for one area or (None) the whole facility."""
        off_rota = {u: self.carers[u] for u in self.off_rota}
        return {
            **rules.staffing_summary(
                [r for r in self.residents.values() if area_id in (None, r.get("area_id"))],
                rules.names_in(self.rota, area_id),
                area=self.areas.get(area_id, {}).get("name", "") if area_id else None,
                on=self.shift.local_date(),
                norms=self.norms,
            ),
            "off_rota": rules.names_in(off_rota, area_id),
        }
