"""What the read side may ask of the event log, as functions: apps never read `EventLog`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sync.models import EventLog, EventStatus

# Outcomes that mean the author did something (a rejected event changed nothing).
_ACTED = (EventStatus.APPLIED, EventStatus.MERGED, EventStatus.CONFLICT)


def event_authors(
    facility_id: UUID, *, received_from: datetime, received_before: datetime
) -> set[UUID]:
    """Who recorded something in a facility during [received_from, received_before), by the
    time the server received it: the dashboard's "who is working" for a shift."""
    return set(
        EventLog.objects.filter(
            facility_id=facility_id,
            received_at__gte=received_from,
            received_at__lt=received_before,
            status__in=_ACTED,
        ).values_list("user_id", flat=True)
    )
