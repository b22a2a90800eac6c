"""The medication records phones hold, each declared once (sync/types.py derives the rest).

Both are pulled by the resident's area: a carer holds the medicines of the residents in her
areas only."""

from __future__ import annotations

from server.meds.doses import void_apply
from server.meds.models import MedicationAdministration, MedicationOrder
from server.meds.serializers import med_administration_data, med_order_data
from sync.types import AREA, SyncedType, area_of_link, declare, void_version

resident_area = area_of_link("resident")

declare(
    SyncedType(
        "med_order",
        MedicationOrder,
        med_order_data,
        scope=AREA,
        area=resident_area,
    )
)
declare(
    SyncedType(
        "med_administration",
        MedicationAdministration,
        med_administration_data,
        scope=AREA,
        area=resident_area,
        dashboard=("task_id", "outcome", "at", "void", "by"),
        # Append-only: a void adds a row and recomputes the dose's task (server/meds/doses.py).
        void=void_apply,
        version=void_version,
    )
)
