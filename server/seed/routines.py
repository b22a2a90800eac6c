"""The demo care plan: meals and sun exposure for each resident, disinfection for each care
area, kitchen and food vehicle. The task horizon turns it into due tasks."""

from __future__ import annotations

import uuid

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
                _disinfection(
                    sid(centre.code, "routine", code, "after-trip"),
                    facility,
                    area,
                    title=f"Khử khuẩn {area.name.lower()} sau chuyến chở thức ăn",
                    times=list(centre.trips),
                    window=(15, 60),
                    target="vehicle",
                    method="phun, lau thùng xe và tay nắm",
                )
            )
        elif area.kind in ("care", "kitchen"):
            routines.append(
                _disinfection(
                    sid(centre.code, "routine", code, "cloramin"),
                    facility,
                    area,
                    title=f"Khử khuẩn Cloramin B: {area.name}",
                    times=["14:00"],
                    window=(120, 240),
                    target="kitchen" if area.kind == "kitchen" else "area",
                    method="lau sàn, tay vịn, tay nắm cửa",
                )
            )
    return routines


def _disinfection(
    id_: uuid.UUID,
    facility: Facility,
    area: Area,
    *,
    title: str,
    times: list[str],
    window: tuple[int, int],
    target: str,
    method: str,
) -> Routine:
    """An area's Cloramin B round (0.25 %), `window` minutes before and after each time."""
    return Routine(
        id=id_,
        facility=facility,
        kind="disinfection",
        title=title,
        area=area,
        times=times,
        window_before_minutes=window[0],
        window_after_minutes=window[1],
        details={
            "chemical": "Cloramin B",
            "target": target,
            "concentration_pct": 0.25,
            "method": method,
        },
    )
