"""The snapshot service: the dashboard projection of one facility, computed once.

It reads the current rows of the shift (a handful of bounded queries, indexed by facility and
time) and replays them as facts into an empty `Projection`: the very code path the deltas take,
so a snapshot and a stream of deltas can never disagree about what a status means.

A finished shift is read back the same way (`{"type": "view"}` on the socket), as the records
say it was at its end: the conflicts opened during it with their outcome, the samples not yet
discarded when it ended, the residents away at some time during it (by their transfers' own
times), the rota of that shift. Its tasks carry their status of today, so a dose the sweep
marked missed after the shift shows as missed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from server.accounts.models import Membership, Role
from server.accounts.services import devices_facts
from server.care.models import (
    CLOSED_STATUSES,
    Area,
    Facility,
    Resident,
    ResidentTransfer,
    TaskInstance,
)
from server.care.resident_rules import Move
from server.care.serializers import resident_data
from server.kitchen.models import FoodSample, MenuDish
from server.live.dashboard import rules
from server.live.dashboard.projection import Projection
from server.live.groups import record_fact
from server.meds.models import MedicationAdministration
from server.meds.selectors import with_void
from server.rota.models import RotaEntry
from server.stock.models import Medicine, StockLevel
from sync.conflicts import conflicts_of
from sync.event_log import event_authors
from sync.types import synced


def _shift_settings(facility: Facility) -> tuple[list[tuple[str, time]], ZoneInfo]:
    """Shift starts and the time zone: settings a facility may override ("dashboard_shifts",
    "time_zone" in Facility.settings; docs/domain.md)."""
    tz = ZoneInfo(facility.settings.get("time_zone") or settings.TIME_ZONE)
    starts = rules.shifts_parse(
        facility.settings.get("dashboard_shifts") or settings.DASHBOARD_SHIFTS
    )
    return starts, tz


def facility_shift(facility: Facility, now: datetime) -> rules.Shift:
    """The facility's current shift."""
    return rules.shift_at(now, *_shift_settings(facility))


def facility_shift_on(facility: Facility, day: date, name: str) -> rules.Shift:
    """The facility's shift `name` starting on the local date `day` (ValueError: no such shift)."""
    starts, tz = _shift_settings(facility)
    return rules.shift_on(day, name, starts, tz)


class ViewRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code, self.message = code, message


def view_shift(*, facility_id: UUID, day: object, name: object, now: datetime) -> rules.Shift:
    """The shift a manager asks to look back at, checked: a real date, a shift the facility
    has, one that has started. Refusals carry a code and a message in the socket's language
    (Vietnamese by default; server/live/consumers.py)."""
    facility = Facility.objects.get(id=facility_id)
    try:
        on = date.fromisoformat(day) if isinstance(day, str) else None
    except ValueError:
        on = None
    if on is None or on.year < 2000:
        raise ViewRefused("view_bad_date", _("Ngày không hợp lệ (cần dạng năm-tháng-ngày)."))
    try:
        shift = facility_shift_on(facility, on, name if isinstance(name, str) else "")
    except ValueError:
        raise ViewRefused("view_bad_shift", _("Trung tâm không có ca này.")) from None
    if shift.start > now:
        raise ViewRefused("view_future", _("Ca này chưa bắt đầu."))
    return shift


def _about(facility: Facility, shift: rules.Shift) -> dict[str, Any]:
    """What the page's picker needs: the facility's shifts and the one before this."""
    starts, tz = _shift_settings(facility)
    before = rules.shift_at(shift.start - timedelta(microseconds=1), starts, tz)
    return {
        "shifts": [name for name, _ in starts],
        "previous": {"date": before.local_date().isoformat(), "shift": before.name},
    }


def _facts(
    type_: str, rows: Iterable[Any], data: Callable[[Any], dict[str, Any]] | None = None
) -> list[dict]:
    """Rows as the facts a commit would send for them: their change data (`data`, or the
    type's declared one), cut by `record_fact`, at the version its declaration gives them."""
    declared = synced(type_)
    assert declared is not None, f"{type_} is not a synced type"
    data = data or declared.data
    return [record_fact(type_, r.id, data(r), version=declared.version(r)) for r in rows]


def _resident_data(r: Resident) -> dict[str, Any]:
    # Beyond the wire's fields: where an absent resident is, and the birth date the staffing
    # norms need (it never goes to phones).
    return {
        **resident_data(r),
        "status_place": r.status_place,
        "birth_date": r.birth_date.isoformat() if r.birth_date else None,
    }


def _residents_at(facility: Facility, shift: rules.Shift) -> list[tuple[Any, dict[str, Any]]]:
    """Each resident as the dashboard's facts carry them, with the status they had during a
    finished shift: away if they were away at any time of it, else their status at its start."""
    moves: dict[Any, list[tuple[Move, str]]] = defaultdict(list)
    for rid, at, status, previous, place, pk in ResidentTransfer.objects.filter(
        facility=facility
    ).values_list("resident_id", "at", "status", "previous_status", "place", "id"):
        moves[rid].append((Move(at, status, previous, str(pk)), place))
    rows = []
    for resident in Resident.objects.filter(facility=facility):
        status, place = rules.status_during(
            moves[resident.id],
            current=(resident.status, resident.status_place),
            start=shift.start,
            end=shift.end,
        )
        if status in CLOSED_STATUSES:
            continue
        rows.append(
            (resident.id, {**_resident_data(resident), "status": status, "status_place": place})
        )
    return rows


def _rota(facility: Facility, shift: rules.Shift) -> dict[str, dict]:
    """Who the rota puts on this shift (a shift belongs to the local date it starts on)."""
    entries = (
        RotaEntry.objects.filter(facility=facility, date=shift.local_date(), shift=shift.name)
        .select_related("user")
        .prefetch_related("areas")
    )
    return {
        str(e.user_id): {
            "name": e.user.full_name or e.user.username,
            "area_ids": [str(a.id) for a in e.areas.all()],
        }
        for e in entries
    }


def dashboard_snapshot(
    *, facility_id: UUID, now: datetime, shift: rules.Shift | None = None
) -> Projection:
    """The projection of the current shift, or (`shift` given and over) of a finished one."""
    facility = Facility.objects.get(id=facility_id)
    shift = shift or facility_shift(facility, now)
    past = shift.end <= now
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
        rota=_rota(facility, shift),
        past=past,
    )
    projection.about = _about(facility, shift)
    if past:
        facts = [record_fact("resident", rid, data) for rid, data in _residents_at(facility, shift)]
    else:
        residents = Resident.objects.filter(facility=facility).exclude(status__in=CLOSED_STATUSES)
        facts = _facts("resident", residents, _resident_data)
    tasks = list(
        TaskInstance.objects.filter(
            facility=facility,
            # A task's local date is its slot's date in the centre's time zone: bounding it
            # (a day's slack each side) keeps the read on the (facility, local_date) index,
            # not on every task the centre has ever had; the due time decides.
            local_date__gte=shift.start.date() - timedelta(days=1),
            local_date__lte=shift.end.date() + timedelta(days=1),
            due_at__gte=shift.start,
            due_at__lt=shift.end,
        )
    )
    facts += _facts("task", tasks)
    administrations = with_void(
        MedicationAdministration.objects.filter(
            facility=facility,
            task__in=[t.id for t in tasks if t.kind == "medication"],
            outcome__in=rules.GIVEN_OUTCOMES,
        )
    )
    facts += _facts("med_administration", administrations)
    if past:
        conflicts = conflicts_of(facility.id, opened_from=shift.start, opened_before=shift.end)
    else:
        conflicts = conflicts_of(facility.id, open_only=True)
    facts += _facts("conflict", conflicts)
    menu_date = shift.local_date()
    kept = Q(discarded_at__isnull=True) | Q(discarded_at__gt=shift.end)
    samples = FoodSample.objects.filter(facility=facility, void=False).filter(
        (kept & Q(keep_until__lte=shift.end))
        | Q(meal_date=menu_date)
        | Q(
            meal_date__isnull=True,
            taken_at__gte=shift.start - timedelta(days=1),
            taken_at__lt=shift.end,
        )
    )
    sample_facts = _facts("food_sample", samples)
    for fact in sample_facts:
        discarded = fact["data"].get("discarded_at")
        if discarded and datetime.fromisoformat(discarded) > shift.end:
            fact["data"]["discarded_at"] = None  # as it stood when the shift ended
    facts += sample_facts
    menu = MenuDish.objects.filter(facility=facility, date=menu_date, locked=True)
    facts += _facts("menu_dish", menu)
    facts += _facts("medicine", Medicine.objects.filter(facility=facility))
    levels = (
        StockLevel.objects.filter(facility=facility)
        .select_related("medicine")
        .prefetch_related("lots")
    )
    facts += _facts("stock_level", levels)
    # Who recorded during the shift: a carer not on its rota is shown as "off the rota";
    # deltas learn it from the acting user.
    active = event_authors(facility.id, received_from=shift.start, received_before=shift.end)
    facts += [{"type": "actor", "id": str(u), "data": {"by": str(u)}} for u in active]
    # The phones as they are now, even on a finished shift (deltas: services.device_changed).
    facts += devices_facts(facility.id)
    projection.apply(facts, now)
    return projection
