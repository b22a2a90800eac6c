"""The records of care that phones hold, each declared once (sync/types.py derives the rest)."""

from __future__ import annotations

from server.care.completion import task_void_apply
from server.care.models import Area, Facility, Note, Resident, TaskInstance
from server.care.serializers import area_data, facility_data, note_data, resident_data, task_data
from sync.types import AREA, FACILITY, SyncedType, declare, void_standard, void_version

declare(SyncedType("facility", Facility, facility_data, scope=FACILITY, facility=lambda f: f.pk))
declare(SyncedType("area", Area, area_data, scope=FACILITY))
declare(
    SyncedType(
        "resident",
        Resident,
        resident_data,
        scope=AREA,
        dashboard=(
            "full_name",
            "room",
            "area_id",
            "status",
            "status_place",
            "place",
            "categories",
            "severe_disability",
            "birth_date",  # the snapshot's only: birth dates never go to phones
        ),
    )
)
declare(
    SyncedType(
        "task",
        TaskInstance,
        task_data,
        scope=AREA,
        dashboard=(
            "area_id",
            "resident_id",
            "kind",
            "title",
            "status",
            "due_at",
            "window_end",
            "done_at",
            "done_by",
        ),
        # Undoes the completion, keeping it in the history (server/care/completion.py).
        void=task_void_apply,
    )
)
declare(
    SyncedType(
        "note",
        Note,
        note_data,
        scope=AREA,
        void=void_standard,
        # A note keeps no version: written once, voided at most once.
        version=void_version,
    )
)
