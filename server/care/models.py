"""Facilities, areas, residents, routines (the care plan) and the tasks they produce."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from server.care.resident_rules import ABSENT, CLOSED
from server.model_fields import (
    area_fk,
    facility_fk,
    given_id,
    made_id,
    names,
    record_fk,
    resident_fk,
    staff_fk,
    unique,
    version_field,
    void_fields,
)

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
    id = made_id()
    code = models.SlugField(_("mã"), unique=True)
    name = models.CharField(_("tên trung tâm"), max_length=200)
    province = models.CharField(_("tỉnh"), max_length=100, blank=True)
    report_recipient = models.CharField(_("cơ quan nhận báo cáo"), max_length=200, blank=True)
    settings = models.JSONField(_("cấu hình"), default=dict, blank=True)

    Meta = names(_("trung tâm"))

    def __str__(self) -> str:
        return self.name

    def setting(self, key: str):
        return self.settings.get(key, DEFAULT_FACILITY_SETTINGS[key])


class Area(models.Model):
    class Kind(models.TextChoices):
        CARE = "care", _("Khu nuôi dưỡng")
        KITCHEN = "kitchen", _("Bếp")
        VEHICLE = "vehicle", _("Xe chở thức ăn")
        OTHER = "other", _("Khác")

    id = made_id()
    facility = facility_fk("areas")
    code = models.SlugField(_("mã"))
    name = models.CharField(_("tên khu"), max_length=120)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices, default=Kind.CARE)

    Meta = names(
        "khu",
        constraints=[unique("area_facility_code", "facility", "code")],
    )

    def __str__(self) -> str:
        return self.name


class ResidentCategory(models.TextChoices):
    LONELY_ELDERLY = "lonely_elderly", _("Người cao tuổi neo đơn")
    CHILD = "child", _("Trẻ em có hoàn cảnh đặc biệt")
    DISABILITY = "disability", _("Người khuyết tật")
    PSYCHIATRIC = "psychiatric", _("Đối tượng tâm thần")
    AGENT_ORANGE = "agent_orange", _("Nạn nhân chất độc da cam/dioxin")
    EMERGENCY = "emergency", _("Bảo vệ khẩn cấp")


class ResidentStatus(models.TextChoices):
    PRESENT = "present", _("Có mặt")
    IN_HOSPITAL = "in_hospital", _("Nằm viện")
    ON_LEAVE = "on_leave", _("Về phép")
    DISCHARGED = "discharged", _("Tái hòa nhập")
    DECEASED = "deceased", _("Đã mất")


# Declared once, in the pure rules (which import no models); here as the vocabulary's members.
ABSENT_STATUSES = frozenset(ResidentStatus(s) for s in ABSENT)
CLOSED_STATUSES = frozenset(ResidentStatus(s) for s in CLOSED)


class Resident(models.Model):
    id = made_id()
    facility = facility_fk("residents")
    area = area_fk("residents", models.PROTECT)
    full_name = models.CharField(_("họ và tên"), max_length=200)
    sex = models.CharField(
        _("giới tính"), max_length=1, choices=[("M", _("Nam")), ("F", _("Nữ"))], blank=True
    )
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    birth_date_estimated = models.BooleanField(_("ngày sinh ước tính"), default=False)
    room = models.CharField(_("phòng / giường"), max_length=40, blank=True)
    categories = models.JSONField(_("diện đối tượng"), default=list)
    primary_category = models.CharField(
        _("diện chính"), max_length=30, choices=ResidentCategory.choices
    )
    severe_disability = models.BooleanField(_("khuyết tật đặc biệt nặng"), default=False)
    status = models.CharField(
        _("tình trạng"),
        max_length=20,
        choices=ResidentStatus.choices,
        default=ResidentStatus.PRESENT,
    )
    status_place = models.CharField(_("nơi điều trị / nơi đến"), max_length=200, blank=True)
    diet_note = models.CharField(_("chế độ ăn"), max_length=300, blank=True)
    admitted_on = models.DateField(_("ngày tiếp nhận"), null=True, blank=True)
    admission_source = models.CharField(_("nguồn tiếp nhận"), max_length=200, blank=True)
    version = version_field()
    # Per-field HLC of the last accepted edit, for the field-level merge of resident.update.
    field_hlc = models.JSONField(default=dict, blank=True)

    Meta = names(_("đối tượng"), indexes=[models.Index(fields=["facility", "area"])])

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_absent(self) -> bool:
        return self.status in ABSENT_STATUSES or self.status in CLOSED_STATUSES


class TaskKind(models.TextChoices):
    MEAL = "meal", _("Bữa ăn")
    MEDICATION = "medication", _("Thuốc")
    SUN_EXPOSURE = "sun_exposure", _("Tắm nắng")
    DISINFECTION = "disinfection", _("Khử khuẩn")
    CUSTOM = "custom", _("Khác")


class Routine(models.Model):
    """One line of the care plan: what is due, for whom or where, and when."""

    id = made_id()
    facility = facility_fk("routines")
    kind = models.CharField(_("loại"), max_length=20, choices=TaskKind.choices)
    title = models.CharField(_("tên việc"), max_length=200)
    resident = resident_fk("routines", optional=True)
    area = area_fk("routines", optional=True)
    times = models.JSONField(
        _("giờ trong ngày"), default=list, help_text=_('Ví dụ ["06:30", "11:00", "17:00"]')
    )
    weekdays = models.JSONField(
        _("thứ trong tuần"),
        default=list,
        blank=True,
        help_text=_("0 = thứ Hai … 6 = Chủ nhật; để trống = hằng ngày"),
    )
    window_before_minutes = models.PositiveIntegerField(_("được làm sớm (phút)"), default=60)
    window_after_minutes = models.PositiveIntegerField(_("được làm muộn (phút)"), default=60)
    details = models.JSONField(_("chi tiết"), default=dict, blank=True)
    active = models.BooleanField(_("đang áp dụng"), default=True)

    Meta = names(_("kế hoạch chăm sóc"))

    def __str__(self) -> str:
        return self.title


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("Chưa làm")
    DONE = "done", _("Đã làm")
    PARTIAL = "partial", _("Làm một phần")
    REFUSED = "refused", _("Từ chối")
    SKIPPED = "skipped", _("Bỏ qua")
    NOT_APPLICABLE = "not_applicable", _("Không áp dụng")
    AWAY = "away", _("Vắng mặt")
    MISSED = "missed", _("Quá hạn")


class TaskInstance(models.Model):
    """One due occurrence. Its id is uuid5(routine or order, subject, local date, slot)."""

    # Every completion rewrites the row. It changes no indexed column, so with room on the
    # page (fillfactor, migration care 0006) the new version is heap-only: no entry in any
    # index. Only the indexes a read uses are kept: the facility's leads both composite
    # indexes; nobody reads tasks by routine, order or who did them (deleting one of those,
    # rare, scans the facility's tasks instead).
    id = given_id()
    facility = facility_fk("tasks", indexed=False)
    area = area_fk("tasks")
    resident = resident_fk("tasks", optional=True)
    routine = record_fk(
        Routine, "tasks", _("kế hoạch"), models.SET_NULL, optional=True, indexed=False
    )
    order = record_fk(
        "meds.MedicationOrder",
        "tasks",
        _("y lệnh"),
        models.SET_NULL,
        optional=True,
        indexed=False,
    )
    kind = models.CharField(_("loại"), max_length=20, choices=TaskKind.choices)
    title = models.CharField(_("tên việc"), max_length=200, blank=True)
    local_date = models.DateField(_("ngày"))
    slot = models.CharField(_("giờ"), max_length=5)
    due_at = models.DateTimeField(_("đến hạn"))
    window_start = models.DateTimeField(_("bắt đầu"))
    window_end = models.DateTimeField(_("kết thúc"))
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    # PROTECT, as every record's author: deleting a person who did a task would erase who did
    # it from the record (deactivate staff who leave instead).
    done_by = staff_fk(_("người làm"), optional=True, indexed=False)
    done_at = models.DateTimeField(_("làm lúc"), null=True, blank=True)
    done_device = models.UUIDField(null=True, blank=True)
    done_event = models.UUIDField(null=True, blank=True)
    reason = models.CharField(_("lý do"), max_length=300, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    details = models.JSONField(_("chi tiết"), default=dict, blank=True)
    # Earlier outcomes replaced by a same-device correction; nothing is silently overwritten.
    history = models.JSONField(default=list, blank=True)
    version = version_field()
    # The sweep has seen this task past its window and it was no longer pending. Only the
    # sweep sets it, and a trigger clears it whenever a task becomes pending again (a voided
    # completion, a resident back from hospital; migration care 0006), so a pending task is
    # never swept and the sweep's index (unswept tasks) holds every task it must look at.
    swept = models.BooleanField(default=False, editable=False)

    Meta = names(
        _("việc cần làm"),
        indexes=[
            models.Index(fields=["facility", "local_date"]),
            # The sweep's: tasks it has not yet seen past their window, every pending one
            # among them. A completion leaves `swept` alone (no entry written here); the sweep
            # marks each task it passes, so the index holds the days ahead, not the history.
            models.Index(
                fields=["facility", "window_end"],
                condition=models.Q(swept=False),
                name="care_task_sweep_window",
            ),
        ],
    )

    def __str__(self) -> str:
        return f"{self.title} {self.local_date} {self.slot}"


class Note(models.Model):
    class Kind(models.TextChoices):
        HANDOVER = "handover", _("Bàn giao ca")
        OBSERVATION = "observation", _("Theo dõi")
        INCIDENT = "incident", _("Sự cố")

    # A push of notes inserts hundreds: nobody reads notes by area or author (the pull reads
    # the change log), so those links carry no index.
    id = given_id()
    facility = facility_fk("notes")
    area = area_fk("notes", models.SET_NULL, optional=True, indexed=False)
    resident = resident_fk("notes", models.SET_NULL, optional=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("nội dung"))
    by = staff_fk(_("người ghi"), indexed=False)
    at = models.DateTimeField(_("lúc"))
    void, void_reason = void_fields(_("đã hủy"), _("lý do hủy"))

    Meta = names(_("ghi chú"))

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"


class ResidentTransfer(models.Model):
    """A move out of or back into the centre (chuyển tuyến, về phép, tái hòa nhập, mất)."""

    id = made_id()
    facility = facility_fk("transfers", models.PROTECT)
    resident = resident_fk("transfers", models.PROTECT)
    status = models.CharField(_("tình trạng mới"), max_length=20, choices=ResidentStatus.choices)
    previous_status = models.CharField(
        _("tình trạng trước"), max_length=20, choices=ResidentStatus.choices
    )
    place = models.CharField(_("nơi đến"), max_length=200, blank=True)
    reason = models.CharField(_("lý do"), max_length=300, blank=True)
    escort = staff_fk(_("người đi kèm"), optional=True)
    by = staff_fk(_("người ghi"))
    at = models.DateTimeField(_("lúc"))
    event_id = models.UUIDField(null=True, blank=True)

    Meta = names(_("chuyển tuyến / thay đổi tình trạng"))

    def __str__(self) -> str:
        return f"{self.resident} → {self.get_status_display()}"
