"""Disinfection rounds (Cloramin B) of care areas, kitchen, toilets and food vehicles."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DisinfectionRecord(models.Model):
    class Target(models.TextChoices):
        AREA = "area", "Khu nuôi dưỡng"
        VEHICLE = "vehicle", "Xe chở thức ăn"
        KITCHEN = "kitchen", "Bếp"

    id = models.UUIDField(primary_key=True, editable=False)
    facility = models.ForeignKey(
        "care.Facility",
        on_delete=models.PROTECT,
        related_name="disinfections",
        verbose_name="trung tâm",
    )
    target = models.CharField("đối tượng khử khuẩn", max_length=20, choices=Target.choices)
    area = models.ForeignKey(
        "care.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disinfections",
        verbose_name="khu / xe",
    )
    task = models.ForeignKey(
        "care.TaskInstance",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="việc",
    )
    chemical = models.CharField("hóa chất", max_length=100, default="Cloramin B")
    product_strength_pct = models.DecimalField(
        "hàm lượng clo hoạt tính của sản phẩm (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    grams = models.DecimalField("số gam bột", max_digits=8, decimal_places=1, null=True, blank=True)
    litres = models.DecimalField(
        "số lít nước", max_digits=8, decimal_places=2, null=True, blank=True
    )
    concentration_pct = models.DecimalField(
        "nồng độ ghi nhận (%)", max_digits=6, decimal_places=4, null=True, blank=True
    )
    active_chlorine_pct = models.DecimalField(
        "nồng độ clo hoạt tính (%)", max_digits=6, decimal_places=4, null=True, blank=True
    )
    basis = models.CharField("cách hiểu %", max_length=20, blank=True)
    method = models.CharField("cách làm", max_length=100, blank=True)
    note = models.TextField("ghi chú", blank=True)
    flags = models.JSONField(default=list, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người làm",
    )
    at = models.DateTimeField("lúc")
    void = models.BooleanField("đã hủy bản ghi", default=False)
    void_reason = models.CharField("lý do hủy", max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "lượt khử khuẩn"
        verbose_name_plural = "sổ khử khuẩn"

    def __str__(self) -> str:
        return f"{self.chemical} · {self.get_target_display()} · {self.at:%d/%m %H:%M}"


class VehicleTrip(models.Model):
    """A food vehicle back from a trip; it owes a disinfection (docs/domain.md)."""

    id = models.UUIDField(primary_key=True, editable=False)
    facility = models.ForeignKey(
        "care.Facility",
        on_delete=models.PROTECT,
        related_name="vehicle_trips",
        verbose_name="trung tâm",
    )
    area = models.ForeignKey(
        "care.Area", on_delete=models.PROTECT, related_name="trips", verbose_name="xe"
    )
    returned_at = models.DateTimeField("về lúc")
    task = models.ForeignKey(
        "care.TaskInstance",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="việc khử khuẩn",
    )
    note = models.CharField("ghi chú", max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người ghi",
    )
    at = models.DateTimeField("lúc")

    class Meta:
        verbose_name = "chuyến xe chở thức ăn"
        verbose_name_plural = "chuyến xe chở thức ăn"

    def __str__(self) -> str:
        return f"Chuyến xe về lúc {self.returned_at:%d/%m %H:%M}"
