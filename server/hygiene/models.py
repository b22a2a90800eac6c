"""Disinfection rounds (Cloramin B) of care areas, kitchen, toilets and food vehicles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DisinfectionRecord(models.Model):
    class Target(models.TextChoices):
        AREA = "area", _("Khu nuôi dưỡng")
        VEHICLE = "vehicle", _("Xe chở thức ăn")
        KITCHEN = "kitchen", _("Bếp")

    id = models.UUIDField(primary_key=True, editable=False)
    facility = models.ForeignKey(
        "care.Facility",
        on_delete=models.PROTECT,
        related_name="disinfections",
        verbose_name=_("trung tâm"),
    )
    target = models.CharField(_("đối tượng khử khuẩn"), max_length=20, choices=Target.choices)
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
        verbose_name=_("việc"),
    )
    chemical = models.CharField(_("hóa chất"), max_length=100, default="Cloramin B")
    product_strength_pct = models.DecimalField(
        _("hàm lượng clo hoạt tính của sản phẩm (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    grams = models.DecimalField(
        _("số gam bột"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    litres = models.DecimalField(
        _("số lít nước"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    concentration_pct = models.DecimalField(
        _("nồng độ ghi nhận (%)"), max_digits=6, decimal_places=4, null=True, blank=True
    )
    active_chlorine_pct = models.DecimalField(
        _("nồng độ clo hoạt tính (%)"), max_digits=6, decimal_places=4, null=True, blank=True
    )
    basis = models.CharField(_("cách hiểu %"), max_length=20, blank=True)
    method = models.CharField(_("cách làm"), max_length=100, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    flags = models.JSONField(default=list, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người làm"),
    )
    at = models.DateTimeField(_("lúc"))
    void = models.BooleanField(_("đã hủy bản ghi"), default=False)
    void_reason = models.CharField(_("lý do hủy"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("lượt khử khuẩn")
        verbose_name_plural = _("sổ khử khuẩn")

    def __str__(self) -> str:
        return f"{self.chemical} · {self.get_target_display()} · {self.at:%d/%m %H:%M}"


class VehicleTrip(models.Model):
    """A food vehicle back from a trip; it owes a disinfection (docs/domain.md)."""

    id = models.UUIDField(primary_key=True, editable=False)
    facility = models.ForeignKey(
        "care.Facility",
        on_delete=models.PROTECT,
        related_name="vehicle_trips",
        verbose_name=_("trung tâm"),
    )
    area = models.ForeignKey(
        "care.Area", on_delete=models.PROTECT, related_name="trips", verbose_name="xe"
    )
    returned_at = models.DateTimeField(_("về lúc"))
    task = models.ForeignKey(
        "care.TaskInstance",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("việc khử khuẩn"),
    )
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người ghi"),
    )
    at = models.DateTimeField(_("lúc"))

    class Meta:
        verbose_name = _("chuyến xe chở thức ăn")
        verbose_name_plural = _("chuyến xe chở thức ăn")

    def __str__(self) -> str:
        return _("Chuyến xe về lúc %(at)s") % {"at": f"{self.returned_at:%d/%m %H:%M}"}
