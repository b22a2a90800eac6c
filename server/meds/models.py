"""Medication orders and the append-only administration record (eMAR)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from server.model_fields import (
    facility_fk,
    given_id,
    made_id,
    names,
    record_fk,
    resident_fk,
    staff_fk,
    task_fk,
    version_field,
)


class FundingSource(models.TextChoices):
    """Who paid for a medicine: an order's source and a stock level's are the same codes (the
    stock (server/stock) builds on meds and keeps its levels by these), so a dose is taken from
    the level of its order's source. A family may bring a resident's own medicine."""

    BHYT = "bhyt", _("Bảo hiểm y tế")
    BUDGET = "budget", _("Ngân sách trung tâm")
    DONATED = "donated", _("Tài trợ")
    FAMILY = "family", _("Gia đình")
    OTHER = "other", _("Khác")


class MedicationOrder(models.Model):
    id = made_id()
    facility = facility_fk("med_orders")
    resident = resident_fk("med_orders")
    drug = models.CharField(_("thuốc"), max_length=200)
    dose = models.CharField(_("liều"), max_length=100)
    route = models.CharField(_("đường dùng"), max_length=60, default="uống")
    times = models.JSONField(
        _("giờ dùng"),
        default=list,
        blank=True,
        help_text=_('Ví dụ ["07:00", "19:00"]; để trống nếu khi cần'),
    )
    prn = models.BooleanField(_("khi cần (PRN)"), default=False)
    indication = models.CharField(_("chỉ định"), max_length=200, blank=True)
    min_interval_minutes = models.PositiveIntegerField(
        _("khoảng cách tối thiểu (phút)"), null=True, blank=True
    )
    max_per_24h = models.PositiveIntegerField(_("tối đa trong 24 giờ"), null=True, blank=True)
    # ISMP windows: ±30 time-critical, ±60 for 2-4 times daily, ±120 once daily.
    window_minutes = models.PositiveIntegerField(_("khung giờ ± (phút)"), null=True, blank=True)
    time_critical = models.BooleanField(_("thuốc cần đúng giờ"), default=False)
    controlled = models.BooleanField(_("thuốc kiểm soát đặc biệt"), default=False)
    funding_source = models.CharField(
        _("nguồn kinh phí"),
        max_length=20,
        choices=FundingSource.choices,
        default=FundingSource.BHYT,
    )
    unit_cost_vnd = models.PositiveIntegerField(_("đơn giá (đồng)"), default=0)
    # The stock a dose is taken from (server/stock): dose_units of it, from funding_source.
    medicine = record_fk("stock.Medicine", "orders", _("thuốc trong kho"), optional=True)
    dose_units = models.DecimalField(
        _("số đơn vị mỗi liều"), max_digits=8, decimal_places=3, default=1
    )
    start_date = models.DateField(_("từ ngày"), null=True, blank=True)
    end_date = models.DateField(_("đến ngày"), null=True, blank=True)
    active = models.BooleanField(_("đang dùng"), default=True)
    version = version_field()

    Meta = names(_("y lệnh thuốc"))

    def __str__(self) -> str:
        return f"{self.drug} {self.dose}"

    def effective_window_minutes(self) -> int:
        if self.window_minutes:
            return self.window_minutes
        if self.time_critical:
            return 30
        return 120 if len(self.times) <= 1 else 60


class AdministrationOutcome(models.TextChoices):
    GIVEN = "given", _("Đã cho dùng")
    PARTIAL = "partial", _("Dùng một phần")
    REFUSED = "refused", _("Từ chối")
    WITHHELD = "withheld", _("Tạm hoãn")
    UNAVAILABLE = "unavailable", _("Không có thuốc")
    AWAY = "away", _("Vắng mặt / nằm viện")
    VOMITED = "vomited", _("Nôn ra")
    ENTERED_IN_ERROR = "entered_in_error", _("Ghi nhầm")
    MISSED = "missed", _("Quá hạn")


class MedicationAdministration(models.Model):
    """Append-only. Never edited in place: corrections and voids are new rows."""

    id = given_id()
    facility = facility_fk("+", models.PROTECT)
    order = record_fk(MedicationOrder, "administrations", _("y lệnh"))
    task = task_fk(_("lượt thuốc"), "administrations", models.PROTECT)
    resident = resident_fk("administrations", models.PROTECT)
    outcome = models.CharField(_("kết quả"), max_length=20, choices=AdministrationOutcome.choices)
    dose = models.CharField(_("liều thực tế"), max_length=100, blank=True)
    at = models.DateTimeField(_("lúc"))
    by = staff_fk(_("người cho thuốc"))
    witness = staff_fk(_("người chứng kiến"), optional=True)
    reason = models.CharField(_("lý do"), max_length=300, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    flags = models.JSONField(default=list, blank=True)
    # The order's price when the dose was given: a later price change leaves past months' costs.
    unit_cost_vnd = models.PositiveIntegerField(_("đơn giá lúc cấp (đồng)"), null=True, blank=True)
    event_id = models.UUIDField(null=True, blank=True)
    device_id = models.UUIDField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    Meta = names(
        _("lượt cấp phát thuốc"),
        _("sổ cấp phát thuốc"),
        indexes=[models.Index(fields=["order", "at"]), models.Index(fields=["task"])],
    )

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.at:%d/%m %H:%M}"

    @property
    def void(self) -> bool:
        """Voided by a later row of MedicationVoid; the administration itself never changes.

        A list loads it with its rows (`server.meds.selectors.with_void`); a row loaded
        without it asks the database once."""
        cached = getattr(self, "_void_cache", None)
        if cached is None:
            cached = self.voids.exists()
            self._void_cache = cached
        return cached


class MedicationVoid(models.Model):
    """Voiding an administration (record.void, or a later `entered_in_error`): a new row,
    append-only like the administration it points at."""

    id = made_id()
    facility = facility_fk("+", models.PROTECT)
    administration = record_fk(MedicationAdministration, "voids", _("lượt cấp phát"))
    reason = models.CharField(_("lý do"), max_length=300)
    by = staff_fk(_("người hủy"))
    at = models.DateTimeField(_("lúc"))
    event_id = models.UUIDField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    Meta = names(_("hủy lượt cấp phát thuốc"))

    def __str__(self) -> str:
        return _("Hủy %(id)s: %(reason)s") % {"id": self.administration_id, "reason": self.reason}
