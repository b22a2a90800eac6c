"""Doses recorded for a time the resident turns out to have been away (in hospital, on leave,
gone): the transfer arrived after them, so each becomes a conflict for the duty manager. The
reverse order (the dose after the transfer) is caught in med.administer. Run by
`resident.transfer` through care's TRANSFER_HOOKS (added by server/meds/apps.py)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy

from server.care.models import Resident
from server.care.resident_rules import is_not_present
from server.meds.models import MedicationAdministration
from server.meds.rules import UNTIMED
from sync.conflicts import conflicts_open_about
from sync.registry import Decision, HandlerContext

AWAY = gettext_lazy("Có lượt thuốc được ghi trong lúc đối tượng vắng mặt; quản lý trực sẽ xem xét.")


def doses_while_away(
    ctx: HandlerContext, resident: Resident, status: str, at: datetime, end: datetime | None
) -> Decision | None:
    """One conflict per dose recorded in [at, end) when the resident left at `at`."""
    if not is_not_present(status):
        return None
    qs = MedicationAdministration.objects.filter(resident=resident, at__gte=at, voids__isnull=True)
    if end is not None:
        qs = qs.filter(at__lt=end)
    rows = list(qs.exclude(outcome__in=UNTIMED).order_by("at"))
    flagged = conflicts_open_about(kind="resident_away", subject_ids=[r.id for r in rows])
    opened = []
    for row in rows:
        if row.id in flagged:
            continue
        opened.append(
            ctx.open_conflict(
                kind="resident_away",
                facility_id=resident.facility_id,
                area_id=resident.area_id,
                subject_type="med_administration",
                subject_id=row.id,
                other_event_ids=[str(row.event_id)] if row.event_id else [],
                details={
                    "administration_id": str(row.id),
                    "order_id": str(row.order_id),
                    "outcome": row.outcome,
                    "at": row.at.isoformat(),
                    "by": str(row.by_id),
                    "resident_id": str(resident.id),
                    "status": ctx.event.args.get("status"),
                },
                message=AWAY,
            )
        )
    if not opened:
        return None
    ctx.conflict_id = opened[0]
    return Decision(status="conflict", code="resident_away", message=AWAY)
