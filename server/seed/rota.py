"""The demo centres' rota for the demo days: who is on which shift, in which areas.

Kept apart from `demo.py` so the rota can change without touching the rest of the seed.
Day shift: every carer, in the areas of their membership. Night shift: one carer a night,
in turn, covering every care area. Idempotent like the rest of the seed: an entry that
exists (maybe edited in the admin) is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from server.accounts.models import Membership, Role
from server.care.horizon import local_today
from server.care.models import Area, Facility
from server.rota.models import RotaEntry


def rota_seed(facilities: Sequence[Facility], *, today: date | None = None) -> int:
    """Rota entries from yesterday to the end of the task horizon; returns how many were new."""
    today = today or local_today()
    days = [today + timedelta(days=n) for n in range(-1, settings.TASK_HORIZON_DAYS + 1)]
    created = 0
    with transaction.atomic():
        for facility in facilities:
            carers = list(
                Membership.objects.filter(facility=facility, role=Role.CARER, active=True)
                .select_related("user")
                .prefetch_related("areas")
                .order_by("user__username")
            )
            if not carers:
                continue
            care_areas = list(Area.objects.filter(facility=facility, kind=Area.Kind.CARE))
            for day in days:
                night = carers[day.toordinal() % len(carers)]
                plan = [("day", m, list(m.areas.all())) for m in carers]
                plan.append(("night", night, care_areas))
                for shift, membership, areas in plan:
                    entry, new = RotaEntry.objects.get_or_create(
                        facility=facility, date=day, shift=shift, user=membership.user
                    )
                    if new:
                        entry.areas.set(areas)
                        created += 1
    return created
