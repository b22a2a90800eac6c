"""Channel-layer group names: who hears which facility's pokes."""

from __future__ import annotations

from uuid import UUID

from sync.registry import ScopeEntry
from sync.types import STAFF, types_in_scope


def full(facility_id: UUID | str) -> str:
    return f"live.{facility_id}.full"


def common(facility_id: UUID | str) -> str:
    return f"live.{facility_id}.common"


def area(facility_id: UUID | str, area_id: UUID | str) -> str:
    return f"live.{facility_id}.a.{area_id}"


def of_type(facility_id: UUID | str, type_: str) -> str:
    return f"live.{facility_id}.t.{type_}"


def dashboard(facility_id: UUID | str) -> str:
    return f"dash.{facility_id}"


def for_scope_entry(entry: ScopeEntry) -> list[str]:
    """The groups a socket with this scope joins: mirrors sync.changes._scope_filter."""
    if entry.whole_facility:
        return [full(entry.facility_id)]
    names = [common(entry.facility_id)]
    names += [area(entry.facility_id, a) for a in sorted(entry.area_ids, key=str)]
    names += [of_type(entry.facility_id, t) for t in sorted(entry.extra_types)]
    return names


def for_change(facility_id: UUID, area_id: UUID | None, types: set[str]) -> set[str]:
    """Who hears changes of `types` in this area: mirrors sync.changes._scope_filter (the
    "staff" types reach the facility-wide roles only)."""
    names = {full(facility_id)}
    audience = types - types_in_scope(STAFF)
    if audience:
        names.add(common(facility_id) if area_id is None else area(facility_id, area_id))
        names.update(of_type(facility_id, t) for t in audience)
    return names
