"""Residents' moves (their stored transfers) as the rules read them: for one sync call, cached
(`resident_moves`, preloaded by `moves_preload`: `med.administer` judges a dose against
where the resident was, `resident.transfer` appends the move it stores), and counted for
reports, where a fact reported twice is one fact."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from uuid import UUID

from server.care.models import Resident, ResidentTransfer
from server.care.resident_rules import Move, status_changes
from sync.registry import HandlerContext

MOVES_KEY = "care.resident_moves"


def resident_moves(ctx: HandlerContext, resident: Resident) -> list[Move]:
    """The resident's transfers as moves, keyed by their event so a conflict can name it.
    Cached for the call; resident.transfer appends the moves it stores."""
    cache = ctx.batch.setdefault(MOVES_KEY, {})
    if resident.id not in cache:
        cache[resident.id] = [move_of(t) for t in resident.transfers.all()]
    return list(cache[resident.id])


def moves_preload(batch: dict, resident_ids: list[UUID]) -> None:
    """The moves of a call's residents in one query, for `resident_moves` to serve."""
    cache = batch.setdefault(MOVES_KEY, {})
    missing = [r for r in resident_ids if r not in cache]
    for r in missing:
        cache[r] = []
    for t in ResidentTransfer.objects.filter(resident_id__in=missing):
        cache[t.resident_id].append(move_of(t))


def move_of(t: ResidentTransfer) -> Move:
    """A stored transfer as the rules read it, keyed by its event so a conflict can name it."""
    return Move(at=t.at, status=t.status, previous=t.previous_status, key=str(t.event_id or t.id))


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
