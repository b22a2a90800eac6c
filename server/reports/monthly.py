"""The monthly report a centre sends to its Department (docs/domain.md), computed from records.

Every figure is a query over what carers, nurses and kitchen staff logged; nothing is typed
in. Voided records never count. Months are calendar months in the facility's time zone.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from server.accounts.models import Membership
from server.care.models import Resident, ResidentCategory, ResidentTransfer, TaskInstance
from server.care.resident_rules import Move, status_changes
from server.hygiene.models import DisinfectionRecord
from server.kitchen.models import FoodCheck, FoodSample
from server.meds.models import MedicationAdministration
from server.reports import labels as L
from server.reports.models import PeriodReport
from server.reports.periods import Month, Period
from server.reports.store import document_number, record_text, settings_for
from sync.conflicts import conflicts_counted

COMPLETED_DOSES = ("given", "partial")
# A dose counts as psychiatric medicine when its order says so in its indication, or when a
# resident of the psychiatric category gets a controlled drug (antipsychotics, sedatives).
PSYCHIATRIC_INDICATION = "tâm thần"

__all__ = ["Month", "Period", "monthly_report"]


def _is_disabled(resident: Resident) -> bool:
    return resident.severe_disability or "disability" in (resident.categories or [])


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


def residents_section(facility_id: Any, month: Period) -> dict[str, Any]:
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
    for key, label in L.vietnamese(ResidentCategory.choices).items():
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
    transfers = ResidentTransfer.objects.filter(facility_id=facility_id, at__gte=start, at__lt=end)
    moves = status_change_counts(facility_id, start, end)
    # A person dies or goes home once: counted by resident, so a death two phones reported
    # twice is still one death here even where an old duplicate row survives.
    once = {
        status: transfers.filter(status=status).values("resident_id").distinct().count()
        for status in ("deceased", "discharged")
    }
    pairs = Counter(received.values_list("primary_category", "admission_source"))
    return {
        "total": len(current),
        "by_category": by_category,
        "received": received.count(),
        "received_by_category": dict(Counter(received.values_list("primary_category", flat=True))),
        "received_by_source": dict(Counter(received.values_list("admission_source", flat=True))),
        "received_rows": [
            {"category": category, "source": source, "count": n}
            for (category, source), n in sorted(pairs.items(), key=lambda kv: (kv[0][0], kv[0][1]))
        ],
        "deaths": once["deceased"],
        "hospital_transfers": moves.get("in_hospital", 0),
        "reintegrated": once["discharged"],
    }


def medication_section(facility_id: Any, month: Period) -> dict[str, Any]:
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
            # The price when the dose was given; doses recorded before prices were kept with
            # them fall back to the order's price.
            cost=Sum(Coalesce("unit_cost_vnd", "order__unit_cost_vnd")),
        )
    }
    psychiatric = {
        resident_id
        for resident_id, indication, controlled, categories, primary in doses.values_list(
            "resident_id",
            "order__indication",
            "order__controlled",
            "resident__categories",
            "resident__primary_category",
        )
        if PSYCHIATRIC_INDICATION in (indication or "").lower()
        or (controlled and "psychiatric" in [primary, *(categories or [])])
    }
    return {
        "doses": doses.count(),
        "residents": doses.values("resident_id").distinct().count(),
        "cost_vnd": sum(v["cost_vnd"] for v in by_source.values()),
        "by_funding_source": by_source,
        "psychiatric_residents": len(psychiatric),
        "controlled_doses": doses.filter(order__controlled=True).count(),
        "missed_doses": TaskInstance.objects.filter(
            facility_id=facility_id,
            kind="medication",
            status="missed",
            local_date__gte=month.first,
            local_date__lte=month.last,
        ).count(),
    }


def hygiene_and_food_section(facility_id: Any, month: Period) -> dict[str, Any]:
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


def care_section(facility_id: Any, month: Period) -> dict[str, Any]:
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
    conflicts = conflicts_counted(facility_id, opened_from=start, opened_before=end)
    return {
        "tasks_by_kind": by_kind,
        "conflicts_opened": conflicts["opened"],
        "conflicts_open": conflicts["open"],
        "conflicts_by_kind": conflicts["by_kind"],
    }


def staff_section(facility_id: Any, record: PeriodReport | None) -> dict[str, Any]:
    """Permanent and contract staff are the director's figures (the records do not know who
    is on a contract); the accounts in use are counted for comparison."""
    permanent = record.staff_permanent if record else None
    contract = record.staff_contract if record else None
    return {
        "permanent": permanent,
        "contract": contract,
        "total": None if permanent is None or contract is None else permanent + contract,
        "accounts": Membership.objects.filter(facility_id=facility_id, active=True).count(),
    }


def monthly_report(*, facility: Any, month: Period) -> dict[str, Any]:
    """The figures of one period (a month, nine months or a year) and the director's words."""
    settings = settings_for(facility)
    record = PeriodReport.objects.filter(facility=facility, period=month.key).first()
    residents = residents_section(facility.id, month)
    target = settings.target_residents
    return {
        "facility": {
            "id": str(facility.id),
            "code": facility.code,
            "name": facility.name,
            "recipient": facility.report_recipient,
            "parent_agency": settings.parent_agency,
            "place": settings.place_name or facility.province,
            "signer_title": settings.signer_title,
            "director": settings.director_name,
        },
        "month": f"{month.year:04d}-{month.month:02d}",
        "period": {
            "kind": month.kind,
            "key": month.key,
            "from": month.first.isoformat(),
            "to": month.last.isoformat(),
            "label": month.label,
            "next_label": month.next_label,
        },
        "residents": residents,
        "target": {
            "residents": target,
            "actual": residents["total"],
            "percent": round(100 * residents["total"] / target, 1) if target else None,
        },
        "medication": medication_section(facility.id, month),
        "hygiene_and_food": hygiene_and_food_section(facility.id, month),
        "care": care_section(facility.id, month),
        "staff": staff_section(facility.id, record),
        "text": record_text(record),
        "number": document_number(settings, record),
        "sent_at": record.sent_at.isoformat() if record and record.sent_at else None,
        "generated_at": timezone.now().isoformat(),
    }
