"""Medicine stock (cơ số thuốc): the catalogue, the lots per funding source and the ledger.

The funding sources are meds' `FundingSource`, the codes an order names: a dose is taken from
the level of its order's source.

The ledger (`StockMove`) is the truth: every lot's quantity is the sum of its moves, and every
level the sum of its lots (`docs/domain.md`, "Medicine stock"). Levels and lots are kept as
rows only so that a dose reads them without summing the ledger.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from server.meds.models import FundingSource
from server.model_fields import facility_fk, made_id, names, unique, version_field

QUANTITY: dict[str, Any] = {"max_digits": 14, "decimal_places": 3}


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", _("Nhập kho")
    DOSE = "dose", _("Cấp phát")
    COUNT = "count", _("Kiểm kê")
    ADJUSTMENT = "adjustment", _("Điều chỉnh")


class Medicine(models.Model):
    id = made_id()
    facility = facility_fk("medicines")
    name = models.CharField(_("tên thuốc"), max_length=200)
    strength = models.CharField(_("hàm lượng"), max_length=60, blank=True)
    form = models.CharField(_("dạng bào chế"), max_length=60, default="viên")
    unit = models.CharField(_("đơn vị tính"), max_length=20, default="viên")
    controlled = models.BooleanField(_("thuốc kiểm soát đặc biệt"), default=False)
    min_stock = models.DecimalField(_("tồn tối thiểu"), default=0, **QUANTITY)
    tolerance_pct = models.DecimalField(
        _("sai lệch kiểm kê cho phép (%)"), max_digits=5, decimal_places=2, default=0
    )
    active = models.BooleanField(_("đang dùng"), default=True)
    version = version_field()

    Meta = names(_("thuốc"), _("danh mục thuốc"), ordering=["name", "strength"])

    def __str__(self) -> str:
        return f"{self.name} {self.strength}".strip()


class StockLevel(models.Model):
    """What is left of one medicine from one funding source (the sum of its lots)."""

    id = made_id()
    facility = models.ForeignKey("care.Facility", on_delete=models.CASCADE, related_name="+")
    medicine = models.ForeignKey(Medicine, on_delete=models.CASCADE, related_name="levels")
    funding_source = models.CharField(max_length=20, choices=FundingSource.choices)
    quantity = models.DecimalField(default=0, **QUANTITY)
    version = version_field()

    Meta = names(
        _("tồn kho"),
        constraints=[unique("stock_level_once", "medicine", "funding_source")],
    )

    def __str__(self) -> str:
        return f"{self.medicine_id} {self.funding_source}: {self.quantity}"


class StockLot(models.Model):
    """One lot of a level. The lot with no code and no expiry takes what cannot be put on a
    lot: a dose given with nothing left (it may go below zero) and a count's surplus."""

    id = made_id()
    # Its level's facility, kept on the row so that a sync call's lot queries name it.
    facility = models.ForeignKey("care.Facility", on_delete=models.CASCADE, related_name="+")
    level = models.ForeignKey(StockLevel, on_delete=models.CASCADE, related_name="lots")
    lot = models.CharField(_("số lô"), max_length=60, blank=True)
    expiry = models.DateField(_("hạn dùng"), null=True, blank=True)
    quantity = models.DecimalField(default=0, **QUANTITY)

    class Meta:
        constraints = [
            unique("stock_lot_once", "level", "lot", "expiry"),
            models.UniqueConstraint(
                fields=["level", "lot"],
                condition=models.Q(expiry__isnull=True),
                name="stock_lot_once_no_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot or '—'} {self.expiry or ''}: {self.quantity}"


class StockMove(models.Model):
    """Append-only: one line of the stock book. `quantity` is signed (a dose is negative)."""

    # Insert order is the ledger's order: a facility's moves are written under its stream lock.
    id = models.BigAutoField(primary_key=True)
    key = models.UUIDField(unique=True, editable=False)
    facility = models.ForeignKey("care.Facility", on_delete=models.PROTECT, related_name="+")
    medicine = models.ForeignKey(Medicine, on_delete=models.PROTECT, related_name="moves")
    funding_source = models.CharField(max_length=20, choices=FundingSource.choices)
    lot = models.ForeignKey(StockLot, on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(max_length=20, choices=MoveKind.choices)
    # The id the phone gave: receipt_id, count_id, adjustment_id or administration_id.
    ref_id = models.UUIDField(db_index=True)
    quantity = models.DecimalField(**QUANTITY)
    balance_after = models.DecimalField(**QUANTITY)  # of the level (medicine, source)
    medicine_balance_after = models.DecimalField(**QUANTITY)  # of the medicine, every source
    counted = models.DecimalField(null=True, blank=True, **QUANTITY)
    reason = models.CharField(max_length=40, blank=True)
    supplier = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=2000, blank=True)
    at = models.DateTimeField()  # the phone's word
    recorded_at = models.DateTimeField()  # when the server took it: the ledger's order
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    event_id = models.UUIDField(null=True, blank=True)

    Meta = names(
        _("dòng sổ kho"),
        _("sổ kho thuốc"),
        indexes=[models.Index(fields=["medicine", "recorded_at"])],
    )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} → {self.balance_after}"
