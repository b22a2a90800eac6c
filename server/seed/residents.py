"""The demo residents of a centre: names, ages, rooms, categories and diets drawn from the
centre's groups with a seeded random generator, and a few of them away."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from server.care.models import Area, Facility, Resident
from server.seed.centres import Centre
from server.seed.names import NameMaker
from server.seed.rows import REFERENCE_DAY, sid


@dataclass
class Person:
    key: str
    resident: Resident
    diet: str = ""


def residents_plan(centre: Centre, facility: Facility, areas: dict[str, Area]) -> list[Person]:
    names = NameMaker(f"{centre.code}/names", centre.region)
    rng = random.Random(f"{centre.code}/residents")
    beds: Counter = Counter()
    prefixes = {spec.code: spec.room_prefix for spec in centre.areas}
    people = []
    for group in centre.groups:
        for i in range(group.count):
            severe = i < group.severe
            disabled = i < group.disabled
            psychiatric = group.disabled <= i < group.disabled + group.psychiatric
            sex = "M" if rng.random() < group.men_share else "F"
            age = rng.randint(*group.ages)
            young = age < 18
            categories = [group.primary, *group.extra]
            categories += ["disability"] * disabled + ["psychiatric"] * psychiatric
            area_code = "special" if severe else group.area
            bed = beds[area_code]
            beds[area_code] += 1
            estimated = age >= 60 and rng.random() < 0.5  # old papers often give only a year
            birth = date(
                REFERENCE_DAY.year - age,
                1 if estimated else rng.randint(1, 12),
                1 if estimated else rng.randint(1, 28),
            )
            admitted = REFERENCE_DAY - timedelta(days=rng.randint(20, max(40, min(age, 12) * 365)))
            diet = ""
            if severe:
                diet = "Cháo xay nhuyễn, đút ăn bằng thìa"
            elif young and age < 4:
                diet = "Cháo, sữa"
            elif age >= 55:
                diet = rng.choice(
                    ["", "", "", "Ăn nhạt (tăng huyết áp)", "Hạn chế đường (tiểu đường)", "Ăn mềm"]
                )
            key = f"{group.key}-{i + 1}"
            resident = Resident(
                id=sid(centre.code, "resident", key),
                facility=facility,
                area=areas[area_code],
                full_name=names.full_name(sex, young),
                sex=sex,
                birth_date=birth,
                birth_date_estimated=estimated,
                room=f"{prefixes[area_code]}{bed // 6 + 1:02d} - giường {bed % 6 + 1}",
                categories=list(dict.fromkeys(categories)),
                primary_category=group.primary,
                severe_disability=severe,
                diet_note=diet,
                admitted_on=admitted,
                admission_source=group.source,
            )
            people.append(Person(key, resident, diet))
    _absences(centre, people)
    return people


def _absences(centre: Centre, people: list[Person]) -> None:
    """A centre is never all present: a couple in hospital (chuyển tuyến), a child home on leave."""
    hospital = f"Bệnh viện Đa khoa tỉnh {centre.province}"
    elderly = [p for p in people if p.resident.primary_category == "lonely_elderly"]
    for person in elderly[3:5]:
        person.resident.status = "in_hospital"
        person.resident.status_place = hospital
    children = [p for p in people if p.resident.primary_category == "child"]
    if len(children) > 20:
        children[20].resident.status = "on_leave"
        children[20].resident.status_place = "Về thăm gia đình"
