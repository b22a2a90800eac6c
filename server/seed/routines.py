"""The demo care plan: meals and sun exposure for each resident, disinfection for each care
area, kitchen and food vehicle. The task horizon turns it into due tasks."""

from __future__ import annotations

from server.care.models import Area, Facility, Routine
from server.seed.centres import MEALS, Centre
from server.seed.residents import Person
from server.seed.rows import sid


def routines_plan(
    centre: Centre, facility: Facility, areas: dict[str, Area], people: list[Person]
) -> list[Routine]:
    routines = []
    for person in people:
        r = person.resident
        for meal, title, at in MEALS:
            routines.append(
                Routine(
                    id=sid(centre.code, "routine", person.key, meal),
                    facility=facility,
                    kind="meal",
                    title=title,
                    resident=r,
                    times=[at],
                    window_before_minutes=30,
                    window_after_minutes=60,
                    details={"meal": meal, "diet_note": person.diet},
                )
            )
        if r.severe_disability:
            routines.append(
                Routine(
                    id=sid(centre.code, "routine", person.key, "sun"),
                    facility=facility,
                    kind="sun_exposure",
                    title="Tắm nắng buổi sáng",
                    resident=r,
                    times=["08:00"],
                    window_before_minutes=30,
                    window_after_minutes=60,
                    details={"minutes": 15, "why": "tăng cường sức đề kháng"},
                )
            )
    for code, area in sorted(areas.items()):
        routine = _disinfection(centre, facility, code, area)
        if routine is not None:
            routines.append(routine)
    return routines


def _disinfection(centre: Centre, facility: Facility, code: str, area: Area) -> Routine | None:
    """An area's Cloramin B round (0.25 %): a food vehicle's after each trip, a care area's or
    the kitchen's once a day; `window` minutes before and after each time."""
    if area.kind == "vehicle":
        key, times, window = "after-trip", list(centre.trips), (15, 60)
        title = f"Khử khuẩn {area.name.lower()} sau chuyến chở thức ăn"
        method = "phun, lau thùng xe và tay nắm"
    elif area.kind in ("care", "kitchen"):
        key, times, window = "cloramin", ["14:00"], (120, 240)
        title = f"Khử khuẩn Cloramin B: {area.name}"
        method = "lau sàn, tay vịn, tay nắm cửa"
    else:
        return None
    return Routine(
        id=sid(centre.code, "routine", code, key),
        facility=facility,
        kind="disinfection",
        title=title,
        area=area,
        times=times,
        window_before_minutes=window[0],
        window_after_minutes=window[1],
        details={
            "chemical": "Cloramin B",
            "target": "area" if area.kind == "care" else area.kind,
            "concentration_pct": 0.25,
            "method": method,
        },
    )
