"""Food samples (lưu mẫu thức ăn), the three-step food check, menus and the sample fridge."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Meal(models.TextChoices):
    BREAKFAST = "breakfast", "Bữa sáng"
    LUNCH = "lunch", "Bữa trưa"
    DINNER = "dinner", "Bữa tối"
    SNACK = "snack", "Bữa phụ"


class FoodSample(models.Model):
    id = models.UUIDField(primary_key=True, editable=False)
    facility = models.ForeignKey(
        "care.Facility",
        on_delete=models.PROTECT,
        related_name="food_samples",
        verbose_name="trung tâm",
    )
    meal = models.CharField("bữa", max_length=20, choices=Meal.choices)
    meal_date = models.DateField("ngày", null=True, blank=True)
    dish = models.CharField("món", max_length=200)
    portions = models.PositiveIntegerField("số suất", null=True, blank=True)
    quantity = models.DecimalField("khối lượng", max_digits=8, decimal_places=1)
    unit = models.CharField("đơn vị", max_length=3, choices=[("g", "g"), ("ml", "ml")])
    container_label = models.CharField("nhãn hộp", max_length=120, blank=True)
    stored_temp_c = models.DecimalField(
        "nhiệt độ bảo quản (°C)", max_digits=4, decimal_places=1, null=True, blank=True
    )
    taken_at = models.DateTimeField("lấy mẫu lúc")
    cooking_finished_at = models.DateTimeField("nấu xong lúc", null=True, blank=True)
    keep_until = models.DateTimeField("lưu đến")
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người lấy mẫu",
    )
    discarded_at = models.DateTimeField("hủy mẫu lúc", null=True, blank=True)
    discarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người hủy mẫu",
    )
    hold = models.BooleanField("đang giữ mẫu", default=False)
    hold_reason = models.CharField("lý do giữ", max_length=300, blank=True)
    flags = models.JSONField(default=list, blank=True)
    note = models.TextField("ghi chú", blank=True)
    void = models.BooleanField("đã hủy bản ghi", default=False)
    void_reason = models.CharField("lý do hủy bản ghi", max_length=300, blank=True)
    # Holds, releases and discards in order (who, when, why): the Mẫu số 5 audit trail.
    history = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "mẫu thức ăn lưu"
        verbose_name_plural = "sổ lưu mẫu thức ăn"
        indexes = [models.Index(fields=["facility", "keep_until"])]

    def __str__(self) -> str:
        return f"{self.dish} ({self.get_meal_display()} {self.meal_date})"


class FoodCheck(models.Model):
    """One signed step of the three-step food check (Mẫu số 1, 2, 3 of QĐ 1246/QĐ-BYT)."""

    id = models.UUIDField(primary_key=True, editable=False)
    facility = models.ForeignKey(
        "care.Facility",
        on_delete=models.PROTECT,
        related_name="food_checks",
        verbose_name="trung tâm",
    )
    meal = models.CharField("bữa", max_length=20, choices=Meal.choices)
    meal_date = models.DateField("ngày", null=True, blank=True)
    step = models.PositiveSmallIntegerField(
        "bước", choices=[(1, "Bước 1"), (2, "Bước 2"), (3, "Bước 3")]
    )
    result = models.CharField(
        "kết quả", max_length=10, choices=[("ok", "Đạt"), ("issue", "Không đạt")]
    )
    items = models.JSONField("các dòng kiểm tra", default=list, blank=True)
    note = models.TextField("ghi chú", blank=True)
    flags = models.JSONField(default=list, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người kiểm tra",
    )
    at = models.DateTimeField("lúc")
    void = models.BooleanField("đã hủy bản ghi", default=False)
    void_reason = models.CharField("lý do hủy bản ghi", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "kiểm thực ba bước"
        verbose_name_plural = "kiểm thực ba bước"

    def __str__(self) -> str:
        return f"Bước {self.step} · {self.get_meal_display()} {self.meal_date}"


class MenuDish(models.Model):
    """A dish on a day's menu; a locked menu says which samples are expected."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    facility = models.ForeignKey(
        "care.Facility", on_delete=models.CASCADE, related_name="menu", verbose_name="trung tâm"
    )
    date = models.DateField("ngày")
    meal = models.CharField("bữa", max_length=20, choices=Meal.choices)
    dish = models.CharField("món", max_length=200)
    liquid = models.BooleanField("món nước (canh, súp)", default=False)
    locked = models.BooleanField("đã chốt thực đơn", default=False)

    class Meta:
        verbose_name = "món trong thực đơn"
        verbose_name_plural = "thực đơn"

    def __str__(self) -> str:
        return f"{self.dish} ({self.get_meal_display()} {self.date})"


class FridgeReading(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    facility = models.ForeignKey(
        "care.Facility",
        on_delete=models.CASCADE,
        related_name="fridge_readings",
        verbose_name="trung tâm",
    )
    temp_c = models.DecimalField("nhiệt độ (°C)", max_digits=4, decimal_places=1)
    at = models.DateTimeField("lúc")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người ghi",
    )
    flags = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "nhiệt độ tủ lưu mẫu"
        verbose_name_plural = "nhiệt độ tủ lưu mẫu"

    def __str__(self) -> str:
        return f"{self.temp_c} °C lúc {self.at:%H:%M %d/%m}"
