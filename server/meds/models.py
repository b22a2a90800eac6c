"""Medication orders and the append-only administration record (eMAR)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class FundingSource(models.TextChoices):
    BHYT = "bhyt", "Bảo hiểm y tế"
    CENTRE = "centre", "Ngân sách trung tâm"
    DONATED = "donated", "Tài trợ"


class MedicationOrder(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    facility = models.ForeignKey(
        "care.Facility",
        on_delete=models.CASCADE,
        related_name="med_orders",
        verbose_name="trung tâm",
    )
    resident = models.ForeignKey(
        "care.Resident",
        on_delete=models.CASCADE,
        related_name="med_orders",
        verbose_name="đối tượng",
    )
    drug = models.CharField("thuốc", max_length=200)
    dose = models.CharField("liều", max_length=100)
    route = models.CharField("đường dùng", max_length=60, default="uống")
    times = models.JSONField(
        "giờ dùng",
        default=list,
        blank=True,
        help_text='Ví dụ ["07:00", "19:00"]; để trống nếu khi cần',
    )
    prn = models.BooleanField("khi cần (PRN)", default=False)
    indication = models.CharField("chỉ định", max_length=200, blank=True)
    min_interval_minutes = models.PositiveIntegerField(
        "khoảng cách tối thiểu (phút)", null=True, blank=True
    )
    max_per_24h = models.PositiveIntegerField("tối đa trong 24 giờ", null=True, blank=True)
    # ISMP windows: ±30 time-critical, ±60 for 2-4 times daily, ±120 once daily.
    window_minutes = models.PositiveIntegerField("khung giờ ± (phút)", null=True, blank=True)
    time_critical = models.BooleanField("thuốc cần đúng giờ", default=False)
    controlled = models.BooleanField("thuốc kiểm soát đặc biệt", default=False)
    funding_source = models.CharField(
        "nguồn kinh phí", max_length=20, choices=FundingSource.choices, default=FundingSource.BHYT
    )
    unit_cost_vnd = models.PositiveIntegerField("đơn giá (đồng)", default=0)
    # The stock a dose is taken from (server/stock): dose_units of it, from funding_source.
    medicine = models.ForeignKey(
        "stock.Medicine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name="thuốc trong kho",
    )
    dose_units = models.DecimalField(
        "số đơn vị mỗi liều", max_digits=8, decimal_places=3, default=1
    )
    start_date = models.DateField("từ ngày", null=True, blank=True)
    end_date = models.DateField("đến ngày", null=True, blank=True)
    active = models.BooleanField("đang dùng", default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "y lệnh thuốc"
        verbose_name_plural = "y lệnh thuốc"

    def __str__(self) -> str:
        return f"{self.drug} {self.dose}"

    def effective_window_minutes(self) -> int:
        if self.window_minutes:
            return self.window_minutes
        if self.time_critical:
            return 30
        return 120 if len(self.times) <= 1 else 60


class AdministrationOutcome(models.TextChoices):
    GIVEN = "given", "Đã cho dùng"
    PARTIAL = "partial", "Dùng một phần"
    REFUSED = "refused", "Từ chối"
    WITHHELD = "withheld", "Tạm hoãn"
    UNAVAILABLE = "unavailable", "Không có thuốc"
    AWAY = "away", "Vắng mặt / nằm viện"
    VOMITED = "vomited", "Nôn ra"
    ENTERED_IN_ERROR = "entered_in_error", "Ghi nhầm"
    MISSED = "missed", "Quá hạn"


class MedicationAdministration(models.Model):
    """Append-only. Never edited in place: corrections and voids are new rows."""

    id = models.UUIDField(primary_key=True, editable=False)
    facility = models.ForeignKey(
        "care.Facility", on_delete=models.PROTECT, related_name="+", verbose_name="trung tâm"
    )
    order = models.ForeignKey(
        MedicationOrder,
        on_delete=models.PROTECT,
        related_name="administrations",
        verbose_name="y lệnh",
    )
    task = models.ForeignKey(
        "care.TaskInstance",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="administrations",
        verbose_name="lượt thuốc",
    )
    resident = models.ForeignKey(
        "care.Resident",
        on_delete=models.PROTECT,
        related_name="administrations",
        verbose_name="đối tượng",
    )
    outcome = models.CharField("kết quả", max_length=20, choices=AdministrationOutcome.choices)
    dose = models.CharField("liều thực tế", max_length=100, blank=True)
    at = models.DateTimeField("lúc")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người cho thuốc",
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người chứng kiến",
    )
    reason = models.CharField("lý do", max_length=300, blank=True)
    note = models.TextField("ghi chú", blank=True)
    flags = models.JSONField(default=list, blank=True)
    # The order's price when the dose was given: a later price change leaves past months' costs.
    unit_cost_vnd = models.PositiveIntegerField("đơn giá lúc cấp (đồng)", null=True, blank=True)
    event_id = models.UUIDField(null=True, blank=True)
    device_id = models.UUIDField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "lượt cấp phát thuốc"
        verbose_name_plural = "sổ cấp phát thuốc"
        indexes = [models.Index(fields=["order", "at"]), models.Index(fields=["task"])]

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

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    facility = models.ForeignKey(
        "care.Facility", on_delete=models.PROTECT, related_name="+", verbose_name="trung tâm"
    )
    administration = models.ForeignKey(
        MedicationAdministration,
        on_delete=models.PROTECT,
        related_name="voids",
        verbose_name="lượt cấp phát",
    )
    reason = models.CharField("lý do", max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người hủy",
    )
    at = models.DateTimeField("lúc")
    event_id = models.UUIDField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "hủy lượt cấp phát thuốc"
        verbose_name_plural = "hủy lượt cấp phát thuốc"

    def __str__(self) -> str:
        return f"Hủy {self.administration_id}: {self.reason}"
