"""The `data` of each care change type (docs/protocol.md §11, "Change types")."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from server.care.models import Area, Facility, Note, Resident, TaskInstance


@lru_cache(maxsize=4096)
def _uuid_text(value: Any) -> str:
    # A push serializes every task it completes: the facility, area, resident, routine and
    # carer ids repeat across them, and UUID.__str__ is Python code (~1 µs each).
    return str(value)


def _id(value: Any) -> str | None:
    return _uuid_text(value) if value is not None else None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def facility_data(f: Facility) -> dict[str, Any]:
    # Imported here: the vocabulary reads the kitchen and meds apps, which import care.
    from server.care.vocabulary import facility_settings, vocabulary

    return {
        "name": f.name,
        "code": f.code,
        "settings": facility_settings(f),
        "vocabulary": vocabulary(),
    }


def area_data(a: Area) -> dict[str, Any]:
    return {"facility_id": _id(a.facility_id), "name": a.name, "kind": a.kind, "code": a.code}


def resident_data(r: Resident) -> dict[str, Any]:
    # Least data on phones (Nghị định 13/2023): no birth dates, no admission papers.
    return {
        "facility_id": _id(r.facility_id),
        "area_id": _id(r.area_id),
        "full_name": r.full_name,
        "room": r.room,
        "categories": r.categories,
        "primary_category": r.primary_category,
        "severe_disability": r.severe_disability,
        "status": r.status,
        "diet_note": r.diet_note,
    }


def task_data(t: TaskInstance) -> dict[str, Any]:
    return {
        "facility_id": _id(t.facility_id),
        "area_id": _id(t.area_id),
        "resident_id": _id(t.resident_id),
        "routine_id": _id(t.routine_id),
        "order_id": _id(t.order_id),
        "kind": t.kind,
        "title": t.title,
        "slot": t.slot,
        "local_date": t.local_date.isoformat(),
        "due_at": _iso(t.due_at),
        "window_start": _iso(t.window_start),
        "window_end": _iso(t.window_end),
        "status": t.status,
        "done_by": _id(t.done_by_id),
        "done_at": _iso(t.done_at),
        "reason": t.reason,
        "details": t.details,
    }


def note_data(n: Note) -> dict[str, Any]:
    return {
        "facility_id": _id(n.facility_id),
        "area_id": _id(n.area_id),
        "resident_id": _id(n.resident_id),
        "kind": n.kind,
        "text": n.text,
        "by": _id(n.by_id),
        "at": _iso(n.at),
        "void": n.void,
    }
