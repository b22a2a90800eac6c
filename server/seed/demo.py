"""Build the two demo centres, idempotently.

Every row gets a deterministic id (uuid5 over SEED_NAMESPACE and a readable key), and only
missing rows are created, so a second run creates nothing, publishes nothing and leaves
edits made in the admin alone. Whatever is created is published to the change log in the
same transaction, so a phone's first pull holds the facility, its areas and residents, the
medication orders (once meds registers their publisher) and, through the horizon, the tasks.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from server.accounts.models import Membership, User
from server.care.admin_sync import publish_if_known
from server.care.horizon import local_today, tasks_materialise
from server.care.models import Area, Facility, Resident, ResidentCategory, Routine
from server.kitchen.models import MenuDish
from server.meds.models import MedicationOrder
from server.seed import stock as stock_seed
from server.seed.centres import (
    CENTRES,
    CHILD_MEDS,
    CONTROLLED,
    MEALS,
    PRN,
    PRN_SHARED,
    SCHEDULED,
    Centre,
)
from server.seed.letterhead import letterhead_seed
from server.seed.menu import menu_plan
from server.seed.names import NameMaker
from server.seed.rota import rota_seed
from server.stock.models import Medicine
from sync.types import publish

M = TypeVar("M", bound=Model)

SEED_NAMESPACE = uuid.UUID("0d1c6a3e-5e2b-5f0a-8b7c-5eed0ca7a0c1")
# Ages and admission dates are drawn against a fixed day, so the data is the same whenever it runs.
REFERENCE_DAY = date(2026, 11, 1)


def sid(*parts: object) -> uuid.UUID:
    return uuid.uuid5(SEED_NAMESPACE, "/".join(str(p) for p in parts))


@dataclass
class CentreReport:
    name: str
    residents: int = 0
    by_category: Counter = field(default_factory=Counter)
    areas: int = 0
    routines: int = 0
    orders: int = 0
    created: Counter = field(default_factory=Counter)


@dataclass
class SeedReport:
    centres: list[CentreReport] = field(default_factory=list)
    users_created: int = 0
    tasks_created: int = 0

    def lines(self) -> list[str]:
        out = []
        for c in self.centres:
            cats = ", ".join(
                f"{ResidentCategory(k).label.lower()} {v}" for k, v in c.by_category.most_common()
            )
            out.append(
                f"• {c.name}: {c.residents} đối tượng ({cats}); {c.areas} khu; "
                f"{c.routines} kế hoạch chăm sóc; {c.orders} y lệnh thuốc."
            )
            if c.created:
                out.append(
                    "  mới tạo: " + ", ".join(f"{k} {v}" for k, v in sorted(c.created.items()))
                )
        out.append(
            f"• Nhân viên mới: {self.users_created}; việc cần làm mới: {self.tasks_created}."
        )
        return out


def _missing(model: type[M], rows: Sequence[M]) -> list[M]:
    """Create the rows whose id does not exist yet; return exactly those."""
    ids = [r.pk for r in rows]
    existing = set(model._default_manager.filter(pk__in=ids).values_list("pk", flat=True))
    new = [r for r in rows if r.pk not in existing]
    model._default_manager.bulk_create(new, batch_size=500)
    return new


def _facility(centre: Centre) -> tuple[Facility, bool]:
    facility = Facility.objects.filter(code=centre.code).first()
    if facility is not None:
        return facility, False
    facility = Facility.objects.create(
        id=sid("facility", centre.code),
        code=centre.code,
        name=centre.name,
        province=centre.province,
        report_recipient=centre.report_recipient,
        settings=dict(centre.settings),
    )
    return facility, True


def _areas(centre: Centre, facility: Facility) -> tuple[dict[str, Area], list[Area]]:
    by_code = {a.code: a for a in facility.areas.all()}
    new = [
        Area(
            id=sid(centre.code, "area", spec.code),
            facility=facility,
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
        )
        for spec in centre.areas
        if spec.code not in by_code
    ]
    Area.objects.bulk_create(new)
    by_code.update({a.code: a for a in new})
    return by_code, new


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


def _users(centre: Centre, facility: Facility, areas: dict[str, Area], password: str) -> int:
    created = 0
    for spec in centre.users:
        user, new = User.objects.get_or_create(
            username=spec.username, defaults={"full_name": spec.full_name}
        )
        if new:
            user.set_password(password)
            user.save(update_fields=["password"])
            created += 1
        membership, new = Membership.objects.get_or_create(
            user=user, facility=facility, defaults={"role": spec.role}
        )
        if new:
            membership.areas.set([areas[c] for c in spec.areas])
    return created


def _superuser(password: str, facilities: list[Facility]) -> int:
    admin = User.objects.filter(username="admin").first()
    created = 0
    if admin is None:
        admin = User.objects.create_superuser("admin", "", password, full_name="Quản trị hệ thống")
        created = 1
    for facility in facilities:
        Membership.objects.get_or_create(user=admin, facility=facility, defaults={"role": "admin"})
    return created


def centre_seed(
    centre: Centre, password: str, today: date | None = None
) -> tuple[CentreReport, Facility, int]:
    report = CentreReport(centre.name)
    with transaction.atomic():
        facility, new_facility = _facility(centre)
        areas, new_areas = _areas(centre, facility)
        people = residents_plan(centre, facility, areas)
        new_residents = _missing(Resident, [p.resident for p in people])
        new_routines = _missing(Routine, routines_plan(centre, facility, areas, people))
        new_medicines = _missing(Medicine, stock_seed.medicines_plan(facility))
        new_orders = _missing(MedicationOrder, orders_plan(centre, facility, people))
        users = _users(centre, facility, areas, password)
        # Facility first, then areas, residents and orders: a phone applies a pull in seq order.
        published: list[Model] = [facility] if new_facility else []
        publish([*published, *new_areas, *new_residents])
        publish(new_medicines)
        publish_if_known(new_orders)
        levels = stock_seed.stock_seed(facility, today=today or timezone.localdate())
    report.created.update(
        {
            k: n
            for k, n in [
                ("trung tâm", int(new_facility)),
                ("khu", len(new_areas)),
                ("đối tượng", len(new_residents)),
                ("kế hoạch", len(new_routines)),
                ("y lệnh", len(new_orders)),
                ("thuốc", len(new_medicines)),
                ("tồn kho", len(levels)),
            ]
            if n
        }
    )
    residents = Resident.objects.filter(facility=facility)
    report.residents = residents.count()
    report.by_category = Counter(residents.values_list("primary_category", flat=True))
    report.areas = facility.areas.count()
    report.routines = facility.routines.count()
    report.orders = facility.med_orders.count()
    return report, facility, users


def demo_seed(
    *, password: str | None = None, horizon: bool = True, today: date | None = None
) -> SeedReport:
    password = password or settings.DEMO_PASSWORD
    report = SeedReport()
    facilities = []
    for centre in CENTRES:
        centre_report, facility, users = centre_seed(centre, password, today)
        report.centres.append(centre_report)
        report.users_created += users
        facilities.append(facility)
    menu_days = [
        (today or local_today()) + timedelta(days=n) for n in range(settings.TASK_HORIZON_DAYS)
    ]
    with transaction.atomic():
        report.users_created += _superuser(password, facilities)
        for facility in facilities:
            publish(_missing(MenuDish, menu_plan(facility, menu_days, sid)))
    if horizon:
        for facility in facilities:
            report.tasks_created += tasks_materialise(facility=facility, today=today)
    rota_seed(facilities, today=today)
    letterhead_seed(facilities)
    return report
