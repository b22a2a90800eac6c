"""The monthly report a centre sends to its Department (seed 000), computed from records.

Every figure is a query over what carers, nurses and kitchen staff logged; nothing is typed
in. Voided records never count. Months are calendar months in the facility's time zone.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from server.care.models import Resident, ResidentCategory, ResidentTransfer, TaskInstance
from server.care.moves import status_change_counts
from server.hygiene.models import DisinfectionRecord
from server.kitchen.models import FoodCheck, FoodSample
from server.meds.models import MedicationAdministration
from sync.models import Conflict

COMPLETED_DOSES = ("given", "partial")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        year, month = (int(p) for p in text.split("-", 1))
        if not 1 <= month <= 12 or not 2000 <= year <= 2100:
            raise ValueError(text)
        return cls(year, month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes in the current (facility) time zone."""
        tz = timezone.get_current_timezone()
        start = datetime.combine(self.first, time.min, tzinfo=tz)
        nxt = date(self.year + (self.month == 12), self.month % 12 + 1, 1)
        return start, datetime.combine(nxt, time.min, tzinfo=tz)


def _is_disabled(resident: Resident) -> bool:
    return resident.severe_disability or "disability" in (resident.categories or [])


def residents_section(facility_id: Any, month: Month) -> dict[str, Any]:
    start, end = month.bounds()
    # Residents on the books at month end: admitted by then and not gone before it ended.
    gone = ResidentTransfer.objects.filter(
        facility_id=facility_id, status__in=("discharged", "deceased"), at__lt=end
    ).values_list("resident_id", flat=True)
    current = [
        r
        for r in Resident.objects.filter(facility_id=facility_id).exclude(id__in=list(gone))
        if r.admitted_on is None or r.admitted_on <= month.last
    ]
    by_category: dict[str, dict[str, Any]] = {}
    for key, label in ResidentCategory.choices:
        members = [r for r in current if r.primary_category == key]
        by_category[key] = {
            "label": label,
            "total": len(members),
            "disabled": sum(1 for r in members if _is_disabled(r)),
            "severe": sum(1 for r in members if r.severe_disability),
            "men": sum(1 for r in members if r.sex == "M"),
        }
    received = Resident.objects.filter(
        facility_id=facility_id, admitted_on__gte=month.first, admitted_on__lte=month.last
    )
    moves = status_change_counts(facility_id, start, end)
    return {
        "total": len(current),
        "by_category": by_category,
        "received": received.count(),
        "received_by_category": dict(Counter(received.values_list("primary_category", flat=True))),
        "received_by_source": dict(Counter(received.values_list("admission_source", flat=True))),
        "deaths": moves.get("deceased", 0),
        "hospital_transfers": moves.get("in_hospital", 0),
        "reintegrated": moves.get("discharged", 0),
    }


def medication_section(facility_id: Any, month: Month) -> dict[str, Any]:
    start, end = month.bounds()
    doses = MedicationAdministration.objects.filter(
        facility_id=facility_id, at__gte=start, at__lt=end, outcome__in=COMPLETED_DOSES
    ).exclude(voids__isnull=False)
    by_source = {
        row["order__funding_source"]: {
            "doses": row["doses"],
            "residents": row["residents"],
            "cost_vnd": row["cost"] or 0,
        }
        for row in doses.values("order__funding_source").annotate(
            doses=Count("id"),
            residents=Count("resident_id", distinct=True),
            cost=Sum("order__unit_cost_vnd"),
        )
    }
    return {
        "doses": doses.count(),
        "residents": doses.values("resident_id").distinct().count(),
        "cost_vnd": sum(v["cost_vnd"] for v in by_source.values()),
        "by_funding_source": by_source,
        "controlled_doses": doses.filter(order__controlled=True).count(),
        "missed_doses": TaskInstance.objects.filter(
            facility_id=facility_id,
            kind="medication",
            status="missed",
            local_date__gte=month.first,
            local_date__lte=month.last,
        ).count(),
    }


def hygiene_and_food_section(facility_id: Any, month: Month) -> dict[str, Any]:
    start, end = month.bounds()
    rounds = DisinfectionRecord.objects.filter(
        facility_id=facility_id, at__gte=start, at__lt=end, void=False
    )
    samples = FoodSample.objects.filter(
        facility_id=facility_id, taken_at__gte=start, taken_at__lt=end, void=False
    )
    checks = FoodCheck.objects.filter(
        facility_id=facility_id, at__gte=start, at__lt=end, void=False
    )
    return {
        "disinfection_rounds": rounds.count(),
        "disinfection_by_target": dict(Counter(rounds.values_list("target", flat=True))),
        "food_samples": samples.count(),
        "food_samples_below_minimum": sum(
            1 for f in samples.values_list("flags", flat=True) if "below_minimum" in (f or [])
        ),
        "food_checks_by_step": {
            str(k): v for k, v in Counter(checks.values_list("step", flat=True)).items()
        },
        "food_checks_with_issue": checks.filter(result="issue").count(),
    }


def care_section(facility_id: Any, month: Month) -> dict[str, Any]:
    tasks = TaskInstance.objects.filter(
        facility_id=facility_id, local_date__gte=month.first, local_date__lte=month.last
    )
    rows = tasks.values("kind").annotate(
        due=Count("id", filter=~Q(status__in=("away", "not_applicable"))),
        done=Count("id", filter=Q(status__in=("done", "partial"))),
        missed=Count("id", filter=Q(status="missed")),
        away=Count("id", filter=Q(status="away")),
    )
    by_kind = {r["kind"]: {k: r[k] for k in ("due", "done", "missed", "away")} for r in rows}
    start, end = month.bounds()
    conflicts = Conflict.objects.filter(
        facility_id=facility_id, opened_at__gte=start, opened_at__lt=end
    )
    return {
        "tasks_by_kind": by_kind,
        "conflicts_opened": conflicts.count(),
        "conflicts_open": conflicts.filter(status="open").count(),
        "conflicts_by_kind": dict(Counter(conflicts.values_list("kind", flat=True))),
    }


def monthly_report(*, facility: Any, month: Month) -> dict[str, Any]:
    return {
        "facility": {
            "id": str(facility.id),
            "code": facility.code,
            "name": facility.name,
            "recipient": facility.report_recipient,
        },
        "month": f"{month.year:04d}-{month.month:02d}",
        "residents": residents_section(facility.id, month),
        "medication": medication_section(facility.id, month),
        "hygiene_and_food": hygiene_and_food_section(facility.id, month),
        "care": care_section(facility.id, month),
        "generated_at": timezone.now().isoformat(),
    }
