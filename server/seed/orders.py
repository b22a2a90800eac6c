"""The demo medication orders: every psychiatric resident on a controlled antipsychotic, diets
matched with their drugs, then common medicines, vitamins and PRN, each drawing on the
centre's medicine stock."""

from __future__ import annotations

import random
from datetime import timedelta

from server.care.models import Facility
from server.meds.models import MedicationOrder
from server.seed import stock as stock_seed
from server.seed.centres import CHILD_MEDS, CONTROLLED, PRN, PRN_SHARED, SCHEDULED, Centre
from server.seed.residents import Person
from server.seed.rows import REFERENCE_DAY, sid


def _order(centre: Centre, facility: Facility, person: Person, spec: tuple) -> MedicationOrder:
    drug, dose, times, funding, cost, indication, extra = spec
    extra = dict(extra)
    return MedicationOrder(
        medicine_id=stock_seed.medicine_id(facility, drug),
        dose_units=stock_seed.dose_units(dose),
        id=sid(centre.code, "order", person.key, drug),
        facility=facility,
        resident=person.resident,
        drug=drug,
        dose=dose,
        times=list(times),
        prn=not times,
        indication=indication,
        funding_source=funding,
        unit_cost_vnd=cost,
        route=extra.pop("route", "uống"),
        controlled=extra.pop("controlled", False),
        start_date=REFERENCE_DAY - timedelta(days=60),
        **extra,
    )


def orders_plan(centre: Centre, facility: Facility, people: list[Person]) -> list[MedicationOrder]:
    """About `med_residents` residents on medicines: every psychiatric resident on a controlled
    antipsychotic, diets matched with their drugs, then common medicines, vitamins and PRN."""
    rng = random.Random(f"{centre.code}/orders")
    orders: dict[str, list[tuple]] = {}
    for p in people:
        if "psychiatric" in p.resident.categories:
            specs = [CONTROLLED[0] if rng.random() < 0.5 else CONTROLLED[1]]
            if rng.random() < 0.3:
                specs.append(CONTROLLED[2])
            if rng.random() < 0.2:
                specs.append(PRN[2])
            if specs[0] is CONTROLLED[0] and not any(
                s is PRN_SHARED for v in orders.values() for s in v
            ):
                specs.append(PRN_SHARED)  # one PRN taking from a scheduled drug's stock
            orders[p.key] = specs
        elif "tăng huyết áp" in p.diet:
            orders[p.key] = [SCHEDULED[0]]
        elif "tiểu đường" in p.diet:
            orders[p.key] = [SCHEDULED[1]]
    rest = [p for p in people if p.key not in orders and p.resident.status == "present"]
    rng.shuffle(rest)
    for p in rest[: max(0, centre.med_residents - len(orders))]:
        if p.resident.primary_category == "child" or "child" in p.resident.categories:
            orders[p.key] = [CHILD_MEDS[1] if p.resident.severe_disability else CHILD_MEDS[0]]
        elif rng.random() < 0.4:
            orders[p.key] = [PRN[0] if rng.random() < 0.7 else PRN[1]]
        else:
            orders[p.key] = [rng.choice(SCHEDULED[2:])]
    by_key = {p.key: p for p in people}
    return [
        _order(centre, facility, by_key[key], spec)
        for key, specs in orders.items()
        for spec in specs
    ]
