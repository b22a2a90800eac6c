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
        if area.kind == "vehicle":
            routines.append(
                Routine(
                    id=sid(centre.code, "routine", code, "after-trip"),
                    facility=facility,
                    kind="disinfection",
                    title=f"Khử khuẩn {area.name.lower()} sau chuyến chở thức ăn",
                    area=area,
                    times=list(centre.trips),
                    window_before_minutes=15,
                    window_after_minutes=60,
                    details={
                        "chemical": "Cloramin B",
                        "target": "vehicle",
                        "concentration_pct": 0.25,
                        "method": "phun, lau thùng xe và tay nắm",
                    },
                )
            )
        elif area.kind in ("care", "kitchen"):
            routines.append(
                Routine(
                    id=sid(centre.code, "routine", code, "cloramin"),
                    facility=facility,
                    kind="disinfection",
                    title=f"Khử khuẩn Cloramin B: {area.name}",
                    area=area,
                    times=["14:00"],
                    window_before_minutes=120,
                    window_after_minutes=240,
                    details={
                        "chemical": "Cloramin B",
                        "target": "kitchen" if area.kind == "kitchen" else "area",
                        "concentration_pct": 0.25,
                        "method": "lau sàn, tay vịn, tay nắm cửa",
                    },
                )
            )
    return routines
