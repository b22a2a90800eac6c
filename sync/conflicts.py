"""Opening and resolving conflicts. A conflict is data: it is synced like any record."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from sync.models import Conflict

if TYPE_CHECKING:
    from sync.registry import HandlerContext


def conflict_data(conflict: Conflict) -> dict[str, Any]:
    return {
        "facility_id": str(conflict.facility_id),
        "area_id": str(conflict.area_id) if conflict.area_id else None,
        "kind": conflict.kind,
        "severity": conflict.severity,
        "status": conflict.status,
        "subject_type": conflict.subject_type,
        "subject_id": str(conflict.subject_id),
        "event_ids": conflict.event_ids,
        "details": conflict.details,
        "message": conflict.message,
        "opened_at": conflict.opened_at.isoformat(),
        "resolved_at": conflict.resolved_at.isoformat() if conflict.resolved_at else None,
        "resolved_by": str(conflict.resolved_by) if conflict.resolved_by else None,
        "resolution": conflict.resolution,
        "resolution_note": conflict.resolution_note,
    }


def conflict_open(
    *,
    ctx: HandlerContext,
    kind: str,
    facility_id: UUID,
    area_id: UUID | None,
    subject_type: str,
    subject_id: UUID,
    severity: str,
    event_ids: list[str],
    details: dict[str, Any],
    message: str,
) -> Conflict:
    conflict = Conflict.objects.create(
        id=uuid4(),
        facility_id=facility_id,
        area_id=area_id,
        kind=kind,
        severity=severity,
        subject_type=subject_type,
        subject_id=subject_id,
        event_ids=event_ids,
        details=details,
        message=message,
        opened_at=ctx.received_at,
    )
    ctx.emit(
        "conflict", conflict.id, conflict_data(conflict), facility_id=facility_id, area_id=area_id
    )
    return conflict


def conflict_mark_resolved(
    *, conflict: Conflict, by: UUID, resolution: str, note: str, at: datetime
) -> Conflict:
    conflict.status = "resolved"
    conflict.resolved_at = at
    conflict.resolved_by = by
    conflict.resolution = resolution
    conflict.resolution_note = note
    conflict.version += 1
    conflict.save()
    return conflict


def conflict_open_id(*, kind: str, subject_id: UUID) -> UUID | None:
    """The open conflict of this kind about this subject, if any: for alerts that stay one
    while they last (a stock out) instead of one per event."""
    return (
        Conflict.objects.filter(kind=kind, subject_id=subject_id, status="open")
        .values_list("id", flat=True)
        .first()
    )
