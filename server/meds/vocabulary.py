"""Meds' part of the vocabulary a phone receives in the `facility` change
(`server/care/vocabulary.py`), added by server/meds/apps.py."""

from __future__ import annotations

from typing import Any

from server.accounts.roles import CLINICAL_ROLES
from server.meds.models import AdministrationOutcome
from server.meds.rules import TASK_STATUS

# Medication outcomes that need a reason from the person recording them.
MED_REASON_REQUIRED = ("withheld", "refused", "unavailable")


def meds_vocabulary() -> dict[str, Any]:
    return {
        "med_outcomes": list(AdministrationOutcome.values),
        "med_task_status": dict(TASK_STATUS),
        "med_reason_required": list(MED_REASON_REQUIRED),
        # Who records any medicine (carers only ordinary ones, where `carers_may_record_meds`
        # allows): the phone shows its tabs by these and the kitchen's `food_roles`.
        "clinical_roles": sorted(CLINICAL_ROLES),
    }
