"""The `data` of each care change type (docs/protocol.md §11, "Change types")."""

from __future__ import annotations

from typing import Any

from server.care.models import Area, Facility, Note, Resident, TaskInstance
from server.wire import row_data

AREA = "facility_id name kind code"
# Least data on phones (Nghị định 13/2023): no birth dates, no admission papers.
RESIDENT = (
    "facility_id area_id full_name room categories primary_category severe_disability status"
    " diet_note"
)
TASK = (
    "facility_id area_id resident_id routine_id order_id kind title slot local_date due_at"
    " window_start window_end status done_by done_at reason details"
)
NOTE = "facility_id area_id resident_id kind text by at void"


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
    return row_data(a, AREA)


def resident_data(r: Resident) -> dict[str, Any]:
    return row_data(r, RESIDENT)


def task_data(t: TaskInstance) -> dict[str, Any]:
    return row_data(t, TASK)


def note_data(n: Note) -> dict[str, Any]:
    return row_data(n, NOTE)
