"""Staff, their role per facility, the areas they cover, and their phones."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models

from server.accounts.roles import ALL_ROLES, FACILITY_WIDE_ROLES


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    full_name = models.CharField("họ và tên", max_length=200, blank=True)
    pin_hash = models.CharField("mã PIN (băm)", max_length=200, blank=True)

    class Meta:
        verbose_name = "nhân viên"
        verbose_name_plural = "nhân viên"

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    CARER = "carer", "Nhân viên chăm sóc"
    KITCHEN = "kitchen", "Nhà bếp"
    NURSE = "nurse", "Y tế"
    MANAGER = "manager", "Quản lý trực"
    ADMIN = "admin", "Quản trị"


assert set(Role.values) == ALL_ROLES, "server/accounts/roles.py names the roles of Role"


class Membership(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name="nhân viên"
    )
    facility = models.ForeignKey(
        "care.Facility",
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name="trung tâm",
    )
    role = models.CharField("vai trò", max_length=20, choices=Role.choices)
    areas = models.ManyToManyField(
        "care.Area", blank=True, related_name="staff", verbose_name="khu phụ trách"
    )
    active = models.BooleanField("đang làm việc", default=True)

    class Meta:
        verbose_name = "phân công"
        verbose_name_plural = "phân công"
        constraints = [
            models.UniqueConstraint(fields=["user", "facility"], name="membership_user_facility")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.facility}"

    @property
    def facility_wide(self) -> bool:
        return self.role in FACILITY_WIDE_ROLES


class Device(models.Model):
    """A registered phone. Its id is chosen by the phone; revoking it kills all its tokens."""

    id = models.UUIDField(primary_key=True, editable=False)
    name = models.CharField("tên máy", max_length=120, blank=True)
    facility = models.ForeignKey(
        "care.Facility", on_delete=models.SET_NULL, null=True, blank=True, verbose_name="trung tâm"
    )
    registered_at = models.DateTimeField("đăng ký lúc", auto_now_add=True)
    # Health, stamped by each sync call (server/accounts/device_health.py): who used it last,
    # how that call went, and what the phone reported about itself.
    last_seen_at = models.DateTimeField("dùng lần cuối", null=True, blank=True)
    last_user = models.ForeignKey(
        "User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người dùng lần cuối",
    )
    last_status = models.CharField("kết quả đồng bộ lần cuối", max_length=20, blank=True)
    app_version = models.CharField("phiên bản ứng dụng", max_length=40, blank=True)
    queued = models.PositiveIntegerField("mục chờ gửi", null=True, blank=True)
    queued_since = models.DateTimeField("có mục chờ gửi từ", null=True, blank=True)
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người thu hồi",
    )

    class Meta:
        verbose_name = "thiết bị"
        verbose_name_plural = "thiết bị"

    def __str__(self) -> str:
        return self.name or str(self.id)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class DeviceToken(models.Model):
    """A bearer token for one (user, device). Only its SHA-256 is stored."""

    key_hash = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="tokens", verbose_name="nhân viên"
    )
    device = models.ForeignKey(
        Device, on_delete=models.CASCADE, related_name="tokens", verbose_name="thiết bị"
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    # Stamped at most once an hour (services.TOKEN_TOUCH_EVERY): a token idle for
    # TOKEN_IDLE_DAYS stops working. Null: never used since it was issued.
    last_used_at = models.DateTimeField("dùng lần cuối", null=True, blank=True)
    # Set when the user's password changes or the user is deactivated; the row stays.
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)

    class Meta:
        verbose_name = "mã truy cập"
        verbose_name_plural = "mã truy cập"

    def __str__(self) -> str:
        # Never the hash itself: this shows in the admin and in logs.
        return f"{self.user} · {self.device}"
