"""Build the two demo centres, idempotently.

Every row gets a deterministic id and only missing rows are created (`rows.py`), so a second run creates nothing, publishes nothing and leaves
edits made in the admin alone. Whatever is created is published to the change log in the
same transaction, so a phone's first pull holds the facility, its areas and residents, the
medication orders (once meds registers their publisher) and, through the horizon, the tasks.
What each centre holds is planned in `residents.py`, `routines.py`, `orders.py`, `stock.py`,
`menu.py` and `rota.py`, from the figures of `centres.py`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from server.accounts.models import Membership, User
from server.care.admin_sync import publish_if_known
from server.care.horizon import local_today, tasks_materialise
from server.care.models import Area, Facility, Resident, ResidentCategory, Routine
from server.care.publish import publish
from server.kitchen.models import MenuDish
from server.meds.models import MedicationOrder
from server.seed import stock as stock_seed
from server.seed.centres import CENTRES, Centre
from server.seed.letterhead import letterhead_seed
from server.seed.menu import menu_plan
from server.seed.orders import orders_plan
from server.seed.residents import residents_plan
from server.seed.rota import rota_seed
from server.seed.routines import routines_plan
from server.seed.rows import missing_create, sid
from server.stock.models import Medicine


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
        new_residents = missing_create(Resident, [p.resident for p in people])
        new_routines = missing_create(Routine, routines_plan(centre, facility, areas, people))
        new_medicines = missing_create(Medicine, stock_seed.medicines_plan(facility))
        new_orders = missing_create(MedicationOrder, orders_plan(centre, facility, people))
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
            publish(missing_create(MenuDish, menu_plan(facility, menu_days, sid)))
    if horizon:
        for facility in facilities:
            report.tasks_created += tasks_materialise(facility=facility, today=today)
    rota_seed(facilities, today=today)
    letterhead_seed(facilities)
    return report
