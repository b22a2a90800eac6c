"""The snapshot service: the dashboard projection of one facility, computed once.

It reads the current rows of the shift (a handful of bounded queries, indexed by facility and
time) and replays them as facts into an empty `Projection`: the very code path the deltas take,
so a snapshot and a stream of deltas can never disagree about what a status means.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from server.accounts.models import Membership, Role
from server.care.models import Area, Facility, Resident, TaskInstance
from server.care.serializers import resident_data, task_data
from server.kitchen.models import FoodSample, MenuDish
from server.kitchen.serializers import food_sample_data, menu_dish_data
from server.live.dashboard import rules
from server.live.dashboard.facts import record_fact
from server.live.dashboard.projection import Projection
from server.meds.models import MedicationAdministration
from server.meds.selectors import with_void
from server.meds.serializers import med_administration_data
from server.stock.models import Medicine, StockLevel
from server.stock.serializers import medicine_data, stock_level_data
from sync.conflicts import conflict_data
from sync.models import Conflict, EventLog


def facility_shift(facility: Facility, now: datetime) -> rules.Shift:
    """The facility's current shift. Shift starts and the time zone are settings a facility may
    override ("dashboard_shifts", "time_zone" in Facility.settings)."""
    tz = ZoneInfo(facility.settings.get("time_zone") or settings.TIME_ZONE)
    starts = rules.shifts_parse(
        facility.settings.get("dashboard_shifts") or settings.DASHBOARD_SHIFTS
    )
    return rules.shift_at(now, starts, tz)


def _facts(type_: str, rows: Iterable[Any], data: Callable[[Any], dict[str, Any]]) -> list[dict]:
    """Rows as the facts a commit would send for them: their change data, cut by `record_fact`,
    at the version the change log gives them (1 for records that keep none)."""
    return [record_fact(type_, r.id, data(r), version=getattr(r, "version", 1)) for r in rows]


def _resident_data(r: Resident) -> dict[str, Any]:
    # Beyond the wire's fields: where an absent resident is, and the birth date the staffing
    # norms need (it never goes to phones).
    return {
        **resident_data(r),
        "status_place": r.status_place,
        "birth_date": r.birth_date.isoformat() if r.birth_date else None,
    }


def dashboard_snapshot(*, facility_id: UUID, now: datetime) -> Projection:
    facility = Facility.objects.get(id=facility_id)
    shift = facility_shift(facility, now)
    areas = {
        str(a.id): {"name": a.name, "kind": a.kind}
        for a in Area.objects.filter(facility=facility).order_by("name")
    }
    carers = {
        str(m.user_id): {
            "name": m.user.full_name or m.user.username,
            "area_ids": [str(a.id) for a in m.areas.all()],
        }
        for m in Membership.objects.filter(facility=facility, role=Role.CARER, active=True)
        .select_related("user")
        .prefetch_related("areas")
    }
    projection = Projection(
        facility_id=facility.id,
        shift=shift,
        now=now,
        norms=rules.norms_from_setting(facility.settings.get("staffing_norms")),
        slot_minutes=settings.DASHBOARD_SLOT_MINUTES,
        areas=areas,
        carers=carers,
    )
    residents = Resident.objects.filter(facility=facility).exclude(
        status__in=["discharged", "deceased"]
    )
    facts = _facts("resident", residents, _resident_data)
    tasks = list(
        TaskInstance.objects.filter(
            facility=facility, due_at__gte=shift.start, due_at__lt=shift.end
        )
    )
    facts += _facts("task", tasks, task_data)
    administrations = with_void(
        MedicationAdministration.objects.filter(
            facility=facility,
            task__in=[t.id for t in tasks if t.kind == "medication"],
            outcome__in=rules.GIVEN_OUTCOMES,
        )
    )
    facts += _facts("med_administration", administrations, med_administration_data)
    conflicts = Conflict.objects.filter(facility_id=facility.id, status="open")
    facts += _facts("conflict", conflicts, conflict_data)
    menu_date = shift.local_date()
    samples = FoodSample.objects.filter(facility=facility, void=False).filter(
        Q(discarded_at__isnull=True, keep_until__lte=shift.end)
        | Q(meal_date=menu_date)
        | Q(
            meal_date__isnull=True,
            taken_at__gte=shift.start - timedelta(days=1),
            taken_at__lt=shift.end,
        )
    )
    facts += _facts("food_sample", samples, food_sample_data)
    menu = MenuDish.objects.filter(facility=facility, date=menu_date, locked=True)
    facts += _facts("menu_dish", menu, menu_dish_data)
    facts += _facts("medicine", Medicine.objects.filter(facility=facility), medicine_data)
    levels = (
        StockLevel.objects.filter(facility=facility)
        .select_related("medicine")
        .prefetch_related("lots")
    )
    facts += _facts("stock_level", levels, stock_level_data)
    # On shift: carers with an event taken in during this shift (see docs/performance.md and
    # the consumer's docstring for the definition); deltas learn it from the acting user.
    active = EventLog.objects.filter(
        facility_id=facility.id,
        received_at__gte=shift.start,
        status__in=["applied", "merged", "conflict"],
    ).values_list("user_id", flat=True)
    facts += [{"type": "actor", "id": str(u), "data": {"by": str(u)}} for u in set(active)]
    projection.apply(facts, now)
    return projection
