"""Seed a province for `bench/load.py`, straight through the ORM (run as a subprocess with
DATABASE_URL pointing at the local stack's database).

Per facility of 50 phones: 5 care areas of 30 residents, the day's meal tasks (published to
the change log as the task horizon does), a PRN order per resident, a kitchen; phones are
40 carers (8 per area), 6 nurses, 2 kitchen staff and 2 managers, each a user with a device
and a token (issued directly: login is not what this bench measures).

Usage: python bench/load_setup.py OUT.json PHONES
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from server.accounts.models import Device, DeviceToken, Membership, User  # noqa: E402
from server.accounts.services import token_hash  # noqa: E402
from server.care.models import Area, Facility, Resident, TaskInstance  # noqa: E402
from server.meds.models import MedicationOrder  # noqa: E402
from sync.types import publish  # noqa: E402

PHONES_PER_FACILITY = 50
AREAS = 5
RESIDENTS_PER_AREA = 30
CARERS_PER_AREA = 8
NURSES, KITCHEN, MANAGERS = 6, 2, 2
MEAL_SLOTS = ["06:30", "10:30", "14:30", "16:30", "19:00"]


def phone(user: User, facility: Facility, kind: str, **extra) -> dict:
    device = Device.objects.create(id=uuid.uuid4(), name=f"máy {kind}", facility=facility)
    raw = secrets.token_urlsafe(32)
    DeviceToken.objects.create(key_hash=token_hash(raw), user=user, device=device)
    return {
        "kind": kind,
        "device_id": str(device.id),
        "token": raw,
        "facility_id": str(facility.id),
        **extra,
    }


def member(facility: Facility, code: str, role: str, areas: list[Area]) -> User:
    user = User.objects.create(username=code, full_name=f"Nhân viên {code}")
    membership = Membership.objects.create(user=user, facility=facility, role=role)
    if areas:
        membership.areas.add(*areas)
    return user


def seed_facility(n: int, tag: str) -> list[dict]:
    now = timezone.now()
    today = timezone.localdate()
    code = f"load-{tag}-{n}"
    phones: list[dict] = []
    with transaction.atomic():
        facility = Facility.objects.create(code=code, name=f"Trung tâm tải {n}")
        kitchen = Area.objects.create(facility=facility, code="bep", name="Bếp", kind="kitchen")
        residents_all = []
        for a in range(AREAS):
            area = Area.objects.create(facility=facility, code=f"khu-{a}", name=f"Khu {a}")
            residents = Resident.objects.bulk_create(
                Resident(
                    facility=facility,
                    area=area,
                    full_name=f"Đối tượng {n}-{a}-{r}",
                    room=f"P{r % 10}",
                    categories=["lonely_elderly"],
                    primary_category="lonely_elderly",
                )
                for r in range(RESIDENTS_PER_AREA)
            )
            residents_all += residents
            tasks = [
                TaskInstance(
                    id=uuid.uuid4(),
                    facility=facility,
                    area=area,
                    resident=res,
                    kind="meal",
                    title="Bữa ăn",
                    local_date=today,
                    slot=slot,
                    due_at=now,
                    window_start=now - timedelta(hours=3),
                    window_end=now + timedelta(hours=3),
                )
                for res in residents
                for slot in MEAL_SLOTS
            ]
            TaskInstance.objects.bulk_create(tasks, batch_size=1000)
            publish(tasks)
            for c in range(CARERS_PER_AREA):
                user = member(facility, f"{code}-carer-{a}-{c}", "carer", [area])
                mine = [str(t.id) for i, t in enumerate(tasks) if i % CARERS_PER_AREA == c]
                phones.append(phone(user, facility, "carer", task_ids=mine))
        orders = MedicationOrder.objects.bulk_create(
            MedicationOrder(
                facility=facility,
                resident=res,
                drug="Paracetamol 500mg",
                dose="1 viên",
                prn=True,
                indication="đau, sốt",
            )
            for res in residents_all
        )
        for i in range(NURSES):
            user = member(facility, f"{code}-nurse-{i}", "nurse", [])
            phones.append(
                phone(
                    user,
                    facility,
                    "nurse",
                    order_ids=[str(o.id) for j, o in enumerate(orders) if j % NURSES == i],
                )
            )
        for i in range(KITCHEN):
            user = member(facility, f"{code}-kitchen-{i}", "kitchen", [kitchen])
            phones.append(phone(user, facility, "kitchen"))
        for i in range(MANAGERS):
            user = member(facility, f"{code}-manager-{i}", "manager", [])
            phones.append(phone(user, facility, "manager"))
    return phones


def main() -> None:
    out, wanted = Path(sys.argv[1]), int(sys.argv[2])
    tag = secrets.token_hex(3)
    phones: list[dict] = []
    n = 0
    while len(phones) < wanted:
        phones += seed_facility(n, tag)
        n += 1
    out.write_text(json.dumps(phones[:wanted]))
    print(f"seeded {n} facilities, {len(phones[:wanted])} phones")


if __name__ == "__main__":
    main()
