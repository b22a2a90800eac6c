"""`manage.py horizon`: materialise the task horizon once (all centres, or one by code)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from server.care.horizon import tasks_materialise
from server.care.models import Facility


class Command(BaseCommand):
    help = "Tạo việc cần làm cho những ngày tới từ kế hoạch chăm sóc và y lệnh thuốc."

    def add_arguments(self, parser):
        parser.add_argument("--facility", help="mã trung tâm (mặc định: tất cả)")
        parser.add_argument(
            "--days", type=int, default=None, help="số ngày (mặc định TASK_HORIZON_DAYS)"
        )

    def handle(self, *args, facility=None, days=None, **options):
        target = None
        if facility:
            target = Facility.objects.filter(code=facility).first()
            if target is None:
                raise CommandError(f"Không có trung tâm mã «{facility}».")
        created = tasks_materialise(facility=target, days=days)
        self.stdout.write(f"Đã tạo {created} việc mới.")
