"""Disinfection rounds (Cloramin B) of care areas, kitchen, toilets and food vehicles."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from server.model_fields import (
    area_fk,
    facility_fk,
    given_id,
    names,
    staff_fk,
    task_fk,
    version_field,
    void_fields,
)


class DisinfectionRecord(models.Model):
    class Target(models.TextChoices):
        AREA = "area", _("Khu nuôi dưỡng")
        VEHICLE = "vehicle", _("Xe chở thức ăn")
        KITCHEN = "kitchen", _("Bếp")

    id = given_id()
    facility = facility_fk("disinfections", models.PROTECT)
    target = models.CharField(_("đối tượng khử khuẩn"), max_length=20, choices=Target.choices)
    area = area_fk("disinfections", models.PROTECT, optional=True, verbose_name="khu / xe")
    task = task_fk(_("việc"))
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
    by = staff_fk(_("người làm"))
    at = models.DateTimeField(_("lúc"))
    void, void_reason = void_fields(reason_label=_("lý do hủy"))
    version = version_field()

    Meta = names(_("lượt khử khuẩn"), _("sổ khử khuẩn"))

    def __str__(self) -> str:
        return f"{self.chemical} · {self.get_target_display()} · {self.at:%d/%m %H:%M}"


class VehicleTrip(models.Model):
    """A food vehicle back from a trip; it owes a disinfection (docs/domain.md)."""

    id = given_id()
    facility = facility_fk("vehicle_trips", models.PROTECT)
    area = area_fk("trips", models.PROTECT, verbose_name="xe")
    returned_at = models.DateTimeField(_("về lúc"))
    task = task_fk(_("việc khử khuẩn"))
    note = models.CharField(_("ghi chú"), max_length=300, blank=True)
    by = staff_fk(_("người ghi"))
    at = models.DateTimeField(_("lúc"))

    Meta = names(_("chuyến xe chở thức ăn"))

    def __str__(self) -> str:
        return _("Chuyến xe về lúc %(at)s") % {"at": f"{self.returned_at:%d/%m %H:%M}"}
