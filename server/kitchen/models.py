"""Food samples (lưu mẫu thức ăn), the three-step food check, menus and the sample fridge."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from server.model_fields import (
    facility_fk,
    given_id,
    made_id,
    names,
    staff_fk,
    version_field,
    void_fields,
)


class Meal(models.TextChoices):
    BREAKFAST = "breakfast", _("Bữa sáng")
    LUNCH = "lunch", _("Bữa trưa")
    DINNER = "dinner", _("Bữa tối")
    SNACK = "snack", _("Bữa phụ")


class FoodSample(models.Model):
    id = given_id()
    facility = facility_fk("food_samples", models.PROTECT)
    meal = models.CharField(_("bữa"), max_length=20, choices=Meal.choices)
    meal_date = models.DateField(_("ngày"), null=True, blank=True)
    dish = models.CharField(_("món"), max_length=200)
    portions = models.PositiveIntegerField(_("số suất"), null=True, blank=True)
    quantity = models.DecimalField(_("khối lượng"), max_digits=8, decimal_places=1)
    unit = models.CharField(_("đơn vị"), max_length=3, choices=[("g", "g"), ("ml", "ml")])
    container_label = models.CharField(_("nhãn hộp"), max_length=120, blank=True)
    stored_temp_c = models.DecimalField(
        _("nhiệt độ bảo quản (°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    taken_at = models.DateTimeField(_("lấy mẫu lúc"))
    cooking_finished_at = models.DateTimeField(_("nấu xong lúc"), null=True, blank=True)
    keep_until = models.DateTimeField(_("lưu đến"))
    taken_by = staff_fk(_("người lấy mẫu"))
    discarded_at = models.DateTimeField(_("hủy mẫu lúc"), null=True, blank=True)
    discarded_by = staff_fk(_("người hủy mẫu"), optional=True)
    hold = models.BooleanField(_("đang giữ mẫu"), default=False)
    hold_reason = models.CharField(_("lý do giữ"), max_length=300, blank=True)
    flags = models.JSONField(default=list, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    void, void_reason = void_fields()
    # Holds, releases and discards in order (who, when, why): the Mẫu số 5 audit trail.
    history = models.JSONField(default=list, blank=True)
    version = version_field()

    Meta = names(
        _("mẫu thức ăn lưu"),
        _("sổ lưu mẫu thức ăn"),
        indexes=[models.Index(fields=["facility", "keep_until"])],
    )

    def __str__(self) -> str:
        return f"{self.dish} ({self.get_meal_display()} {self.meal_date})"


class FoodCheck(models.Model):
    """One signed step of the three-step food check (Mẫu số 1, 2, 3 of QĐ 1246/QĐ-BYT)."""

    id = given_id()
    facility = facility_fk("food_checks", models.PROTECT)
    meal = models.CharField(_("bữa"), max_length=20, choices=Meal.choices)
    meal_date = models.DateField(_("ngày"), null=True, blank=True)
    step = models.PositiveSmallIntegerField(
        _("bước"), choices=[(1, _("Bước 1")), (2, _("Bước 2")), (3, _("Bước 3"))]
    )
    result = models.CharField(
        _("kết quả"), max_length=10, choices=[("ok", _("Đạt")), ("issue", _("Không đạt"))]
    )
    items = models.JSONField(_("các dòng kiểm tra"), default=list, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    flags = models.JSONField(default=list, blank=True)
    by = staff_fk(_("người kiểm tra"))
    at = models.DateTimeField(_("lúc"))
    void, void_reason = void_fields()
    version = version_field()

    Meta = names(_("kiểm thực ba bước"))

    def __str__(self) -> str:
        return _("Bước %(step)s · %(meal)s %(date)s") % {
            "step": self.step,
            "meal": self.get_meal_display(),
            "date": self.meal_date,
        }


class MenuDish(models.Model):
    """A dish on a day's menu; a locked menu says which samples are expected."""

    id = made_id()
    facility = facility_fk("menu")
    date = models.DateField(_("ngày"))
    meal = models.CharField(_("bữa"), max_length=20, choices=Meal.choices)
    dish = models.CharField(_("món"), max_length=200)
    liquid = models.BooleanField(_("món nước (canh, súp)"), default=False)
    locked = models.BooleanField(_("đã chốt thực đơn"), default=False)

    Meta = names(_("món trong thực đơn"), _("thực đơn"))

    def __str__(self) -> str:
        return f"{self.dish} ({self.get_meal_display()} {self.date})"


class FridgeReading(models.Model):
    id = made_id()
    facility = facility_fk("fridge_readings")
    temp_c = models.DecimalField(_("nhiệt độ (°C)"), max_digits=4, decimal_places=1)
    at = models.DateTimeField(_("lúc"))
    by = staff_fk(_("người ghi"))
    flags = models.JSONField(default=list, blank=True)

    Meta = names(_("nhiệt độ tủ lưu mẫu"))

    def __str__(self) -> str:
        return _("%(temp)s °C lúc %(at)s") % {"temp": self.temp_c, "at": f"{self.at:%H:%M %d/%m}"}
