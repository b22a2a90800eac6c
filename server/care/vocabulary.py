"""What a phone needs to offer the right choices: a facility's full settings (defaults filled
in) and the codes the server accepts, sent inside the `facility` change (docs/protocol.md,
"Facility settings and vocabulary"). The phone draws every choice from here and keeps its own
copies only for a facility cached before this existed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from server.accounts.models import Role
from server.accounts.roles import (
    FACILITY_WIDE_ROLES,
    MANAGER_ACTION_ROLES,
    RESIDENT_EDITOR_ROLES,
)
from server.care.models import (
    CLOSED_STATUSES,
    DEFAULT_FACILITY_SETTINGS,
    Area,
    Facility,
    Note,
    ResidentStatus,
    TaskKind,
    TaskStatus,
)
from server.care.rules import COMPLETION_OUTCOMES, OPEN_STATUSES, SUN_SKIP_REASONS
from sync.types import all_types

# Settings only phones read: a centre may override them in its settings like any other.
PHONE_SETTINGS: dict[str, Any] = {
    # The buttons offered for a sun-exposure session (minutes), inside the server's bounds.
    "sun_exposure_choices": [10, 15, 20, 30],
}

# Suggested reasons: the server stores a free-text reason for these outcomes, the phone
# offers these codes as buttons (and stores the code, which every screen labels).
MEAL_REFUSAL_REASONS = ("not_hungry", "unwell", "asleep", "other")
MEAL_AWAY_REASONS = ("in_hospital", "on_leave")
TASK_REFUSAL_REASONS = ("unwell", "other")
TASK_SKIP_REASONS = ("in_hospital", "other")

# Outcomes in the order a phone lists them, the common case first.
_COMPLETION_ORDER = ("done", "partial", "refused", "skipped", "not_applicable")
assert set(_COMPLETION_ORDER) == COMPLETION_OUTCOMES

# Each code list and the i18n key prefix the phone labels its codes with
# (mobile_client/i18n/<lang>.json must hold `<prefix>.<code>` for every code).
LABELS: dict[str, str] = {
    "task_kinds": "kind",
    "task_statuses": "status",
    "completion_outcomes": "status",
    "sun_skip_reasons": "reason",
    "meal_refusal_reasons": "reason",
    "meal_away_reasons": "reason",
    "task_refusal_reasons": "reason",
    "task_skip_reasons": "reason",
    "med_outcomes": "med.outcome",
    "resident_statuses": "resident",
    "note_kinds": "note.kind",
    "meals": "meal",
    "roles": "role",
    "area_kinds": "area",
    "transfer_roles": "role",
    "facility_wide_roles": "role",
    "manager_roles": "role",
    "closed_statuses": "resident",
    "food_roles": "role",
    "clinical_roles": "role",
    "sample_release_roles": "role",
}


# Other apps add their own code lists (registered from their apps.py), so care imports none
# of them: the kitchen adds its meals and who keeps or releases its records, meds its
# outcomes and who records doses (server/meds/vocabulary.py).
_parts: list[Callable[[], dict[str, Any]]] = []


def vocabulary_part(part: Callable[[], dict[str, Any]]) -> None:
    if part not in _parts:
        _parts.append(part)


def vocabulary() -> dict[str, Any]:
    found = {
        "task_kinds": list(TaskKind.values),
        "task_statuses": list(TaskStatus.values),
        "open_statuses": sorted(OPEN_STATUSES),
        "completion_outcomes": list(_COMPLETION_ORDER),
        "sun_skip_reasons": list(SUN_SKIP_REASONS),
        "meal_refusal_reasons": list(MEAL_REFUSAL_REASONS),
        "meal_away_reasons": list(MEAL_AWAY_REASONS),
        "task_refusal_reasons": list(TASK_REFUSAL_REASONS),
        "task_skip_reasons": list(TASK_SKIP_REASONS),
        "resident_statuses": list(ResidentStatus.values),
        "transfer_roles": sorted(RESIDENT_EDITOR_ROLES),  # who may record a transfer
        # Who sees and acts in the whole facility (the others: their areas), as the pull's scope.
        "facility_wide_roles": sorted(FACILITY_WIDE_ROLES),
        # Who resolves conflicts and manages the facility (`permits`' manager actions).
        "manager_roles": sorted(MANAGER_ACTION_ROLES),
        # A resident in these is no longer in the centre's care: off the lists of the day.
        "closed_statuses": sorted(s.value for s in CLOSED_STATUSES),
        "note_kinds": list(Note.Kind.values),
        "roles": list(Role.values),
        "area_kinds": list(Area.Kind.values),
        # The change types the server sends (server/<app>/sync.py) and which `record.void`
        # takes; a phone keeps only those its user's scope lets it pull.
        "types": {t.name: {"scope": t.scope, "voidable": t.void is not None} for t in all_types()},
    }
    for part in _parts:
        found.update(part())
    return found


def facility_settings(f: Facility) -> dict[str, Any]:
    """Every setting with the facility's overrides applied, so a phone needs no defaults."""
    return {**DEFAULT_FACILITY_SETTINGS, **PHONE_SETTINGS, **(f.settings or {})}
