"""Seed our server for the benchmark, straight through the ORM (run as a subprocess).

One facility per (size, run): a care area, one carer covering it, 30 residents in it (what
the notes shape writes about; not published, so pulls stay `size` changes), `size` open tasks
(published to the change log, as the task horizon does, so a phone has pulled them before it
completes them), and two devices with tokens: the pusher and a fresh puller. A fresh facility
per run keeps every push a first completion (a second one would be a merge) and keeps each
pull exactly `size` changes.

Usage: python bench/ours_setup.py OUT.json SIZE[,SIZE...] RUNS
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
from sync.types import publish  # noqa: E402

NS = uuid.UUID("6f1c7a52-3d0e-4a7e-9a43-0b3c2e0d5b11")


def device_with_token(user: User, facility: Facility, name: str) -> dict:
    device = Device.objects.create(id=uuid.uuid4(), name=name, facility=facility)
    raw = secrets.token_urlsafe(32)
    DeviceToken.objects.create(key_hash=token_hash(raw), user=user, device=device)
    return {"device_id": str(device.id), "token": raw}


def seed_one(size: int, run: int) -> dict:
    now = timezone.now()
    code = f"bench-{size}-{run}-{secrets.token_hex(3)}"
    with transaction.atomic():
        facility = Facility.objects.create(code=code, name=f"Trung tâm đo {size}/{run}")
        area = Area.objects.create(facility=facility, code="khu-a", name="Khu A")
        user = User.objects.create(username=code, full_name=f"Điều dưỡng {code}")
        membership = Membership.objects.create(user=user, facility=facility, role="carer")
        membership.areas.add(area)
        residents = Resident.objects.bulk_create(
            Resident(
                id=uuid.uuid5(NS, f"{code}/resident/{i}"),
                facility=facility,
                area=area,
                full_name=f"Đối tượng {i}",
                room=f"P{i // 4 + 1}",
            )
            for i in range(30)
        )
        tasks = []
        for i in range(size):
            due = now + timedelta(minutes=i % 600)
            tasks.append(
                TaskInstance(
                    id=uuid.uuid5(NS, f"{code}/{i}"),
                    facility=facility,
                    area=area,
                    kind="meal",
                    title=f"Bữa ăn {i}",
                    local_date=now.date(),
                    slot=f"{(i // 60) % 24:02d}:{i % 60:02d}",
                    due_at=due,
                    window_start=due - timedelta(hours=2),
                    window_end=due + timedelta(hours=2),
                )
            )
        TaskInstance.objects.bulk_create(tasks, batch_size=1000)
        publish(tasks)
        pusher = device_with_token(user, facility, "máy đẩy")
        puller = device_with_token(user, facility, "máy mới")
    return {
        "size": size,
        "run": run,
        "facility_id": str(facility.id),
        "user_id": str(user.id),
        "task_ids": [str(t.id) for t in tasks],
        "resident_ids": [str(r.id) for r in residents],
        "pusher": pusher,
        "puller": puller,
    }


def main() -> None:
    out, sizes, runs = Path(sys.argv[1]), [int(s) for s in sys.argv[2].split(",")], int(sys.argv[3])
    seeded = [seed_one(size, run) for size in sizes for run in range(runs)]
    out.write_text(json.dumps(seeded))


if __name__ == "__main__":
    main()
