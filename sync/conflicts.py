"""Opening and resolving conflicts. A conflict is data: it is synced like any record."""

from __future__ import annotations

import base64
import binascii
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from sync.models import Conflict

# Most serious first: the order managers see them in.
SEVERITY_RANK = {"high": 0, "normal": 1, "low": 2}

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


# How many later disagreeing events keep their details on a joined conflict; the event ids
# all stay in `event_ids`, the details of a flood need not.
MAX_JOINED_DETAILS = 20


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
    """Open a conflict, or join the open one about the same (subject, kind).

    Twelve phones disagreeing about one meal are one thing for a manager to review, not
    twelve: a later event joins the open conflict (its ids are added to `event_ids`, its
    details to `details["joined"]`) and the conflict is sent again to the phones."""
    existing = (
        Conflict.objects.select_for_update()
        .filter(
            facility_id=facility_id,
            subject_type=subject_type,
            subject_id=subject_id,
            kind=kind,
            status="open",
        )
        .order_by("opened_at", "id")
        .first()
    )
    if existing is not None:
        return _conflict_join(
            ctx, existing, event_ids=event_ids, details=details, severity=severity
        )
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
    conflict_emit(ctx, conflict)
    return conflict


def _conflict_join(
    ctx: HandlerContext,
    conflict: Conflict,
    *,
    event_ids: list[str],
    details: dict[str, Any],
    severity: str,
) -> Conflict:
    added = [e for e in event_ids if e not in conflict.event_ids]
    conflict.event_ids = [*conflict.event_ids, *added]
    joined = list(conflict.details.get("joined", []))
    if len(joined) < MAX_JOINED_DETAILS:
        joined.append({"event_id": str(ctx.event.id), **details})
    conflict.details = {**conflict.details, "joined": joined}
    if SEVERITY_RANK.get(severity, 9) < SEVERITY_RANK.get(conflict.severity, 9):
        conflict.severity = severity
    conflict.version += 1
    conflict.save(update_fields=["event_ids", "details", "severity", "version"])
    conflict_emit(ctx, conflict)
    return conflict


MAX_CONFLICTS_PER_PAGE = 500


def _rank() -> Case:
    return Case(
        *(When(severity=name, then=Value(rank)) for name, rank in SEVERITY_RANK.items()),
        default=Value(len(SEVERITY_RANK)),
        output_field=IntegerField(),
    )


def conflicts_page(qs: QuerySet[Conflict], *, after: tuple[int, datetime, UUID] | None, limit: int):
    """Conflicts most serious first, then newest, then by id (a total order, so a cursor
    never skips nor repeats one), from just after `after`."""
    qs = qs.annotate(rank=_rank()).order_by("rank", "-opened_at", "-id")
    if after is not None:
        rank, opened, pk = after
        qs = qs.filter(
            Q(rank__gt=rank)
            | Q(rank=rank, opened_at__lt=opened)
            | Q(rank=rank, opened_at=opened, id__lt=pk)
        )
    return qs[:limit]


def conflict_cursor(conflict: Conflict) -> str:
    raw = f"{conflict.rank}|{conflict.opened_at.isoformat()}|{conflict.id}"  # type: ignore[attr-defined]
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def conflict_cursor_read(token: str) -> tuple[int, datetime, UUID]:
    """The position a cursor names; ValueError when it is not one we issued."""
    try:
        raw = base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()).decode()
        rank, opened, pk = raw.split("|")
        when = datetime.fromisoformat(opened)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise ValueError("bad cursor") from exc
    if when.tzinfo is None:
        raise ValueError("bad cursor")
    return int(rank), when, UUID(pk)


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


def conflict_emit(ctx: HandlerContext, conflict: Conflict) -> None:
    """Send a conflict's newest version to the phones and managers that see it."""
    ctx.emit(
        "conflict",
        conflict.id,
        conflict_data(conflict),
        facility_id=conflict.facility_id,
        area_id=conflict.area_id,
        version=conflict.version,
    )


def conflicts_open_about(*, kind: str, subject_ids: list[UUID]) -> set[UUID]:
    """Which of these subjects already have an open conflict of this kind: a check that
    runs again (a transfer synced twice) flags each subject once."""
    return set(
        Conflict.objects.filter(kind=kind, status="open", subject_id__in=subject_ids).values_list(
            "subject_id", flat=True
        )
    )


def conflicts_of(
    facility_id: UUID,
    *,
    opened_from: datetime | None = None,
    opened_before: datetime | None = None,
    open_only: bool = False,
) -> QuerySet[Conflict]:
    """A facility's conflicts for the read side (the board, the monthly report): those opened
    in [opened_from, opened_before), or those still open. Turn each into its data with
    `conflict_data`; nothing outside the engine needs the model's fields."""
    qs = Conflict.objects.filter(facility_id=facility_id)
    if opened_from is not None:
        qs = qs.filter(opened_at__gte=opened_from)
    if opened_before is not None:
        qs = qs.filter(opened_at__lt=opened_before)
    if open_only:
        qs = qs.filter(status="open")
    return qs


def conflicts_counted(
    facility_id: UUID, *, opened_from: datetime, opened_before: datetime
) -> dict[str, Any]:
    """How many conflicts a period opened, how many of those are still open, and how many
    of each kind."""
    opened = conflicts_of(facility_id, opened_from=opened_from, opened_before=opened_before)
    return {
        "opened": opened.count(),
        "open": opened.filter(status="open").count(),
        "by_kind": dict(Counter(opened.values_list("kind", flat=True))),
    }
