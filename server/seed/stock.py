"""The demo centres' medicine catalogue and opening stock (cơ số thuốc).

Every order's drug maps to one medicine; each funding source the orders use holds about two
months of their doses, some of it in a lot that expires within the month, so the board and
the report have something to show. Receipt ids are derived, so a second run adds nothing.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from server.accounts.models import Membership
from server.care.models import Facility
from server.meds.models import MedicationOrder
from server.stock import services
from server.stock.models import Medicine, StockLevel, StockMove
from sync.types import publish

# order drug -> (name, strength, form, unit, min_stock, tolerance %)
MEDICINES: dict[str, tuple[str, str, str, str, int, int]] = {
    "Amlodipin 5mg": ("Amlodipin", "5mg", "viên nén", "viên", 60, 2),
    "Metformin 500mg": ("Metformin", "500mg", "viên nén", "viên", 60, 2),
    "Omeprazol 20mg": ("Omeprazol", "20mg", "viên nang", "viên", 30, 2),
    "Calci D3": ("Calci D3", "", "viên nén", "viên", 30, 5),
    "Vitamin 3B": ("Vitamin 3B", "", "viên nang", "viên", 30, 5),
    "Natri valproat 200mg": ("Natri valproat", "200mg", "viên nén", "viên", 40, 2),
    "Siro Vitamin C": ("Siro Vitamin C", "100mg/5ml", "siro", "ml", 300, 10),
    "Paracetamol 500mg": ("Paracetamol", "500mg", "viên nén", "viên", 40, 5),
    "Loperamid 2mg": ("Loperamid", "2mg", "viên nang", "viên", 10, 5),
}
# Drugs under special control (thuốc kiểm soát đặc biệt): no count tolerance, and a register
# of their own (the controlled-drug register).
CONTROLLED: dict[str, tuple[str, str, str, str, int, int]] = {
    "Haloperidol 1,5mg": ("Haloperidol", "1,5mg", "viên nén", "viên", 30, 0),
    "Olanzapin 10mg": ("Olanzapin", "10mg", "viên nén", "viên", 20, 0),
    "Diazepam 5mg": ("Diazepam", "5mg", "viên nén", "viên", 10, 0),
    "Haloperidol 5mg/1ml (tiêm)": ("Haloperidol", "5mg/1ml", "ống tiêm", "ống", 5, 0),
}
# The PRN twin of a scheduled drug names it with this suffix: both take from one medicine.
PRN_SUFFIX = " (khi cần)"
# A source the orders do not use, still stocked: families bring vitamins.
EXTRA_SOURCES = {"Calci D3": "family"}


def _sid(facility: Facility, *parts: object) -> uuid.UUID:
    return uuid.uuid5(facility.id, "/".join(str(p) for p in parts))


def medicine_key(drug: str) -> str:
    return drug.removesuffix(PRN_SUFFIX)


def medicine_id(facility: Facility, drug: str) -> uuid.UUID:
    return _sid(facility, "medicine", medicine_key(drug))


def dose_units(dose: str) -> Decimal:
    """ "1 viên" -> 1, "1/2 viên" -> 0.5, "5ml" -> 5."""
    amount = dose.split()[0].removesuffix("ml")
    if "/" in amount:
        top, bottom = amount.split("/")
        return Decimal(top) / Decimal(bottom)
    return Decimal(amount)


def medicines_plan(facility: Facility) -> list[Medicine]:
    return [
        Medicine(
            id=medicine_id(facility, drug),
            facility=facility,
            name=name,
            strength=strength,
            form=form,
            unit=unit,
            controlled=drug in CONTROLLED,
            min_stock=min_stock,
            tolerance_pct=tolerance,
        )
        for drug, (name, strength, form, unit, min_stock, tolerance) in (
            MEDICINES | CONTROLLED
        ).items()
    ]


def stock_seed(facility: Facility, *, today: date) -> list[StockLevel]:
    """Opening receipts for every (medicine, source) the orders use; returns the levels made."""
    nurse = (
        Membership.objects.filter(facility=facility, role__in=["nurse", "manager"], active=True)
        .select_related("user")
        .order_by("-role")  # the nurse, else the manager
        .first()
    )
    if nurse is None:
        return []
    monthly: dict[tuple[uuid.UUID, str], Decimal] = defaultdict(Decimal)
    for order in MedicationOrder.objects.filter(facility=facility, medicine__isnull=False):
        assert order.medicine_id is not None
        per_day = Decimal(len(order.times)) if order.times else Decimal("0.5")
        monthly[(order.medicine_id, order.funding_source)] += per_day * order.dose_units * 30
    medicines = {m.id: m for m in Medicine.objects.filter(facility=facility)}
    for drug, source in EXTRA_SOURCES.items():
        monthly.setdefault((medicine_id(facility, drug), source), Decimal(20))
    at = timezone.make_aware(datetime.combine(today - timedelta(days=1), time(8, 0)))
    who = services.Who(by=nurse.user, at=at, recorded_at=at)
    touched = []
    stocks: dict[uuid.UUID, services.MedicineStock] = {}
    for n, ((mid, source), use) in enumerate(sorted(monthly.items(), key=lambda kv: str(kv[0]))):
        medicine = medicines[mid]
        total = max(Decimal(20), Decimal(math.ceil(use * 2)))
        lots = [(f"{medicine.name[:3].upper()}{n:02d}A", total, today + timedelta(days=400 + n))]
        if n % 3 == 0:  # a small lot about to expire
            lots.append(
                (
                    f"{medicine.name[:3].upper()}{n:02d}X",
                    Decimal(10),
                    today + timedelta(days=12 + n),
                )
            )
        level = None
        for code, quantity, expiry in lots:
            ref = _sid(facility, "receipt", mid, source, code)
            if StockMove.objects.filter(ref_id=ref).exists():
                continue
            stock = stocks.get(mid) or stocks.setdefault(mid, services.MedicineStock.load(medicine))
            level = stock.level(source)
            services.receive(
                stock,
                level,
                ref_id=ref,
                quantity=quantity,
                lot=code,
                expiry=expiry,
                who=who,
                supplier="Tồn đầu kỳ",
            )
        if level is not None:
            touched.append(level)
    if touched:
        publish(touched)
    return touched
