"""The `data` of each care change type (docs/protocol.md §11, "Change types")."""

from __future__ import annotations

from typing import Any

from server.care.models import Facility
from sync.types import fields_data

area_data = fields_data("facility_id name kind code")
# Least data on phones (Nghị định 13/2023): no birth dates, no admission papers.
resident_data = fields_data(
    "facility_id area_id full_name room categories primary_category severe_disability status"
    " diet_note"
)
task_data = fields_data(
    "facility_id area_id resident_id routine_id order_id kind title slot local_date due_at"
    " window_start window_end status done_by done_at reason details"
)
note_data = fields_data("facility_id area_id resident_id kind text by at void")


def facility_data(f: Facility) -> dict[str, Any]:
    # Imported here: the vocabulary reads the kitchen and meds apps, which import care.
    from server.care.vocabulary import facility_settings, vocabulary

    return {
        "name": f.name,
        "code": f.code,
        "settings": facility_settings(f),
        "vocabulary": vocabulary(),
    }
