"""Staff, their role per facility, the areas they cover, and their phones."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from server.accounts.roles import ALL_ROLES, FACILITY_WIDE_ROLES
from server.model_fields import facility_fk, given_id, made_id, names, staff_fk, unique


class User(AbstractUser):
    id = made_id()
    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    pin_hash = models.CharField(_("mã PIN (băm)"), max_length=200, blank=True)

    class Meta:  # a class, not names(): it replaces the Meta class AbstractUser declares
        verbose_name = _("nhân viên")
        verbose_name_plural = _("nhân viên")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    CARER = "carer", _("Nhân viên chăm sóc")
    KITCHEN = "kitchen", _("Nhà bếp")
    NURSE = "nurse", _("Y tế")
    MANAGER = "manager", _("Quản lý trực")
    ADMIN = "admin", _("Quản trị")


assert set(Role.values) == ALL_ROLES, "server/accounts/roles.py names the roles of Role"


class Membership(models.Model):
    id = made_id()
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("nhân viên")
    )
    facility = facility_fk("memberships")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    areas = models.ManyToManyField(
        "care.Area", blank=True, related_name="staff", verbose_name=_("khu phụ trách")
    )
    active = models.BooleanField(_("đang làm việc"), default=True)

    Meta = names(
        _("phân công"),
        constraints=[unique("membership_user_facility", "user", "facility")],
    )

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.facility}"

    @property
    def facility_wide(self) -> bool:
        return self.role in FACILITY_WIDE_ROLES


class Device(models.Model):
    """A registered phone. Its id is chosen by the phone; revoking it kills all its tokens."""

    id = given_id()
    name = models.CharField(_("tên máy"), max_length=120, blank=True)
    facility = models.ForeignKey(
        "care.Facility",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("trung tâm"),
    )
    registered_at = models.DateTimeField(_("đăng ký lúc"), auto_now_add=True)
    # Health, stamped by each sync call (server/accounts/services.py, `device_seen`): who used it last,
    # how that call went, and what the phone reported about itself.
    last_seen_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    last_user = staff_fk(_("người dùng lần cuối"), optional=True, on_delete=models.SET_NULL)
    last_status = models.CharField(_("kết quả đồng bộ lần cuối"), max_length=20, blank=True)
    app_version = models.CharField(_("phiên bản ứng dụng"), max_length=40, blank=True)
    queued = models.PositiveIntegerField(_("mục chờ gửi"), null=True, blank=True)
    queued_since = models.DateTimeField(_("có mục chờ gửi từ"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revoked_by = staff_fk(_("người thu hồi"), optional=True, on_delete=models.SET_NULL)

    Meta = names(_("thiết bị"))

    def __str__(self) -> str:
        return self.name or str(self.id)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class DeviceToken(models.Model):
    """A bearer token for one (user, device). Only its SHA-256 is stored."""

    key_hash = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("nhân viên")
    )
    device = models.ForeignKey(
        Device, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("thiết bị")
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    # Stamped at most once an hour (services.TOKEN_TOUCH_EVERY): a token idle for
    # TOKEN_IDLE_DAYS stops working. Null: never used since it was issued.
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    # Set when the user's password changes or the user is deactivated; the row stays.
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    Meta = names(_("mã truy cập"))

    def __str__(self) -> str:
        # Never the hash itself: this shows in the admin and in logs.
        return f"{self.user} · {self.device}"
