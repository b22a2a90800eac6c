"""Facilities, areas, residents, routines (the care plan) and the tasks they produce."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

# Facility-level rule settings (docs/domain.md: every number is configuration). Defaults here,
# overridable per facility through Facility.settings.
DEFAULT_FACILITY_SETTINGS: dict = {
    "task_grace_minutes": 60,
    "dose_grace_minutes": 60,
    "carers_may_record_meds": True,
    "chlorine_basis": "product",  # "product" or "active_chlorine": what "0.25 %" means here
    "chlorine_product_strength_pct": 25.0,
    "food_sample_min_solid_g": 100,
    "food_sample_min_liquid_ml": 150,
    "food_sample_keep_hours": 24,
    "sample_fridge_min_c": 2.0,
    "sample_fridge_max_c": 8.0,
    "cook_to_eat_max_minutes": 120,
    "clock_skew_minutes": 5,
    # Meals: the portion eaten is recorded in these steps (percent).
    "meal_portions": [0, 25, 50, 75, 100],
    # Sun exposure for severely disabled residents: minutes per session, bounds.
    "sun_exposure_min_minutes": 1,
    "sun_exposure_max_minutes": 240,
    # Food vehicles are disinfected after every trip (docs/domain.md): due within this time.
    "vehicle_disinfection_within_minutes": 60,
    # A disinfection record whose grams/litres disagree with its stated % by more than this.
    "chlorine_mismatch_tolerance_pct": 10,
}


class Facility(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField("mã", unique=True)
    name = models.CharField("tên trung tâm", max_length=200)
    province = models.CharField("tỉnh", max_length=100, blank=True)
    report_recipient = models.CharField("cơ quan nhận báo cáo", max_length=200, blank=True)
    settings = models.JSONField("cấu hình", default=dict, blank=True)

    class Meta:
        verbose_name = "trung tâm"
        verbose_name_plural = "trung tâm"

    def __str__(self) -> str:
        return self.name

    def setting(self, key: str):
        return self.settings.get(key, DEFAULT_FACILITY_SETTINGS[key])


class Area(models.Model):
    class Kind(models.TextChoices):
        CARE = "care", "Khu nuôi dưỡng"
        KITCHEN = "kitchen", "Bếp"
        VEHICLE = "vehicle", "Xe chở thức ăn"
        OTHER = "other", "Khác"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="areas", verbose_name="trung tâm"
    )
    code = models.SlugField("mã")
    name = models.CharField("tên khu", max_length=120)
    kind = models.CharField("loại", max_length=20, choices=Kind.choices, default=Kind.CARE)

    class Meta:
        verbose_name = "khu"
        verbose_name_plural = "khu"
        constraints = [
            models.UniqueConstraint(fields=["facility", "code"], name="area_facility_code")
        ]

    def __str__(self) -> str:
        return self.name


class ResidentCategory(models.TextChoices):
    LONELY_ELDERLY = "lonely_elderly", "Người cao tuổi neo đơn"
    CHILD = "child", "Trẻ em có hoàn cảnh đặc biệt"
    DISABILITY = "disability", "Người khuyết tật"
    PSYCHIATRIC = "psychiatric", "Đối tượng tâm thần"
    AGENT_ORANGE = "agent_orange", "Nạn nhân chất độc da cam/dioxin"
    EMERGENCY = "emergency", "Bảo vệ khẩn cấp"


class ResidentStatus(models.TextChoices):
    PRESENT = "present", "Có mặt"
    IN_HOSPITAL = "in_hospital", "Nằm viện"
    ON_LEAVE = "on_leave", "Về phép"
    DISCHARGED = "discharged", "Tái hòa nhập"
    DECEASED = "deceased", "Đã mất"


ABSENT_STATUSES = frozenset({ResidentStatus.IN_HOSPITAL, ResidentStatus.ON_LEAVE})
CLOSED_STATUSES = frozenset({ResidentStatus.DISCHARGED, ResidentStatus.DECEASED})


class Resident(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="residents", verbose_name="trung tâm"
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="residents", verbose_name="khu"
    )
    full_name = models.CharField("họ và tên", max_length=200)
    sex = models.CharField(
        "giới tính", max_length=1, choices=[("M", "Nam"), ("F", "Nữ")], blank=True
    )
    birth_date = models.DateField("ngày sinh", null=True, blank=True)
    birth_date_estimated = models.BooleanField("ngày sinh ước tính", default=False)
    room = models.CharField("phòng / giường", max_length=40, blank=True)
    categories = models.JSONField("diện đối tượng", default=list)
    primary_category = models.CharField(
        "diện chính", max_length=30, choices=ResidentCategory.choices
    )
    severe_disability = models.BooleanField("khuyết tật đặc biệt nặng", default=False)
    status = models.CharField(
        "tình trạng", max_length=20, choices=ResidentStatus.choices, default=ResidentStatus.PRESENT
    )
    status_place = models.CharField("nơi điều trị / nơi đến", max_length=200, blank=True)
    diet_note = models.CharField("chế độ ăn", max_length=300, blank=True)
    admitted_on = models.DateField("ngày tiếp nhận", null=True, blank=True)
    admission_source = models.CharField("nguồn tiếp nhận", max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    # Per-field HLC of the last accepted edit, for the field-level merge of resident.update.
    field_hlc = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "đối tượng"
        verbose_name_plural = "đối tượng"
        indexes = [models.Index(fields=["facility", "area"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_absent(self) -> bool:
        return self.status in ABSENT_STATUSES or self.status in CLOSED_STATUSES


class TaskKind(models.TextChoices):
    MEAL = "meal", "Bữa ăn"
    MEDICATION = "medication", "Thuốc"
    SUN_EXPOSURE = "sun_exposure", "Tắm nắng"
    DISINFECTION = "disinfection", "Khử khuẩn"
    CUSTOM = "custom", "Khác"


class Routine(models.Model):
    """One line of the care plan: what is due, for whom or where, and when."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="routines", verbose_name="trung tâm"
    )
    kind = models.CharField("loại", max_length=20, choices=TaskKind.choices)
    title = models.CharField("tên việc", max_length=200)
    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="routines",
        verbose_name="đối tượng",
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="routines",
        verbose_name="khu",
    )
    times = models.JSONField(
        "giờ trong ngày", default=list, help_text='Ví dụ ["06:30", "11:00", "17:00"]'
    )
    weekdays = models.JSONField(
        "thứ trong tuần",
        default=list,
        blank=True,
        help_text="0 = thứ Hai … 6 = Chủ nhật; để trống = hằng ngày",
    )
    window_before_minutes = models.PositiveIntegerField("được làm sớm (phút)", default=60)
    window_after_minutes = models.PositiveIntegerField("được làm muộn (phút)", default=60)
    details = models.JSONField("chi tiết", default=dict, blank=True)
    active = models.BooleanField("đang áp dụng", default=True)

    class Meta:
        verbose_name = "kế hoạch chăm sóc"
        verbose_name_plural = "kế hoạch chăm sóc"

    def __str__(self) -> str:
        return self.title


class TaskStatus(models.TextChoices):
    PENDING = "pending", "Chưa làm"
    DONE = "done", "Đã làm"
    PARTIAL = "partial", "Làm một phần"
    REFUSED = "refused", "Từ chối"
    SKIPPED = "skipped", "Bỏ qua"
    NOT_APPLICABLE = "not_applicable", "Không áp dụng"
    AWAY = "away", "Vắng mặt"
    MISSED = "missed", "Quá hạn"


class TaskInstance(models.Model):
    """One due occurrence. Its id is uuid5(routine or order, subject, local date, slot)."""

    id = models.UUIDField(primary_key=True, editable=False)
    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="tasks", verbose_name="trung tâm"
    )
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="tasks", verbose_name="khu"
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name="đối tượng",
    )
    routine = models.ForeignKey(
        Routine,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name="kế hoạch",
    )
    order = models.ForeignKey(
        "meds.MedicationOrder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name="y lệnh",
    )
    kind = models.CharField("loại", max_length=20, choices=TaskKind.choices)
    title = models.CharField("tên việc", max_length=200, blank=True)
    local_date = models.DateField("ngày")
    slot = models.CharField("giờ", max_length=5)
    due_at = models.DateTimeField("đến hạn")
    window_start = models.DateTimeField("bắt đầu")
    window_end = models.DateTimeField("kết thúc")
    status = models.CharField(
        "trạng thái", max_length=20, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người làm",
    )
    done_at = models.DateTimeField("làm lúc", null=True, blank=True)
    done_device = models.UUIDField(null=True, blank=True)
    done_event = models.UUIDField(null=True, blank=True)
    reason = models.CharField("lý do", max_length=300, blank=True)
    note = models.TextField("ghi chú", blank=True)
    details = models.JSONField("chi tiết", default=dict, blank=True)
    # Earlier outcomes replaced by a same-device correction; nothing is silently overwritten.
    history = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "việc cần làm"
        verbose_name_plural = "việc cần làm"
        indexes = [
            models.Index(fields=["facility", "local_date"]),
            models.Index(fields=["facility", "status", "window_end"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.local_date} {self.slot}"


class Note(models.Model):
    class Kind(models.TextChoices):
        HANDOVER = "handover", "Bàn giao ca"
        OBSERVATION = "observation", "Theo dõi"
        INCIDENT = "incident", "Sự cố"

    id = models.UUIDField(primary_key=True, editable=False)
    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="notes", verbose_name="trung tâm"
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notes",
        verbose_name="khu",
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notes",
        verbose_name="đối tượng",
    )
    kind = models.CharField("loại", max_length=20, choices=Kind.choices)
    text = models.TextField("nội dung")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người ghi",
    )
    at = models.DateTimeField("lúc")
    void = models.BooleanField("đã hủy", default=False)
    void_reason = models.CharField("lý do hủy", max_length=300, blank=True)

    class Meta:
        verbose_name = "ghi chú"
        verbose_name_plural = "ghi chú"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"


class ResidentTransfer(models.Model):
    """A move out of or back into the centre (chuyển tuyến, về phép, tái hòa nhập, mất)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="transfers", verbose_name="trung tâm"
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="transfers", verbose_name="đối tượng"
    )
    status = models.CharField("tình trạng mới", max_length=20, choices=ResidentStatus.choices)
    previous_status = models.CharField(
        "tình trạng trước", max_length=20, choices=ResidentStatus.choices
    )
    place = models.CharField("nơi đến", max_length=200, blank=True)
    reason = models.CharField("lý do", max_length=300, blank=True)
    escort = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người đi kèm",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người ghi",
    )
    at = models.DateTimeField("lúc")
    event_id = models.UUIDField(null=True, blank=True)

    class Meta:
        verbose_name = "chuyển tuyến / thay đổi tình trạng"
        verbose_name_plural = "chuyển tuyến / thay đổi tình trạng"

    def __str__(self) -> str:
        return f"{self.resident} → {self.get_status_display()}"
