"""Counting residents' moves for reports: a fact reported twice is one fact."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from server.care.models import ResidentTransfer
from server.care.resident_rules import Move, status_changes


def status_change_counts(facility_id: Any, start: datetime, end: datetime) -> Counter[str]:
    """How many real status changes (by new status) happened in [start, end), by the moves'
    own times: a status reported again while already in it (two nurses recording one death,
    in either arrival order) is not a second change (docs/care-events.md)."""
    residents = ResidentTransfer.objects.filter(
        facility_id=facility_id, at__gte=start, at__lt=end
    ).values("resident_id")
    by_resident: dict[Any, list[Move]] = {}
    rows = ResidentTransfer.objects.filter(resident_id__in=residents, at__lt=end).values_list(
        "resident_id", "at", "status", "previous_status", "id"
    )
    for resident_id, at, status, previous, pk in rows:
        by_resident.setdefault(resident_id, []).append(Move(at, status, previous, str(pk)))
    return Counter(
        move.status
        for moves in by_resident.values()
        for move in status_changes(moves)
        if start <= move.at < end
    )
