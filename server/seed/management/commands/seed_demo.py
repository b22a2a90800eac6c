"""`manage.py seed_demo`: the two demo centres (Bạc Liêu, Nam Định), idempotent."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from server.seed.demo import demo_seed


class Command(BaseCommand):
    help = "Tạo dữ liệu mẫu: hai trung tâm, đối tượng, kế hoạch chăm sóc, y lệnh thuốc, nhân viên."

    def add_arguments(self, parser):
        parser.add_argument("--no-horizon", action="store_true", help="không tạo việc cần làm")

    def handle(self, *args, no_horizon: bool = False, **options):
        started = time.monotonic()
        report = demo_seed(horizon=not no_horizon)
        self.stdout.write("Dữ liệu mẫu Ca Trực:")
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            f"• Đăng nhập (mật khẩu «{settings.DEMO_PASSWORD}»): carer.bl1, carer.bl2, carer.bl3, "
            "kitchen.bl, nurse.bl, manager.bl (Bạc Liêu); carer.nd1, manager.nd (Nam Định); admin (/admin/)."
        )
        self.stdout.write(f"Xong sau {time.monotonic() - started:.1f} giây.")
