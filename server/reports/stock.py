"""The month's stock report (nhập – xuất – tồn) and the controlled-drug register (sổ theo dõi
thuốc), both summed from the ledger (`server/stock/models.py` StockMove) and nothing else.

A move belongs to the month the server took it in (`recorded_at`, the ledger's order); the
phone's own time (`at`) is shown beside it in the register.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from server.meds.models import MedicationAdministration
from server.reports import labels as L
from server.reports.periods import Period
from server.stock.models import Medicine, MoveKind, StockMove
from server.stock.serializers import number

SOURCE = L.FUNDING
KIND = L.vietnamese(MoveKind.choices)
COLUMNS = ("opening", "received", "dispensed", "adjusted", "closing")
HEADINGS = (
    "STT",
    "Tên thuốc",
    "Hàm lượng",
    "Đơn vị tính",
    "Nguồn kinh phí",
    "Tồn đầu kỳ",
    "Nhập trong kỳ",
    "Xuất trong kỳ",
    "Điều chỉnh (kiểm kê, hủy, hư hỏng…)",
    "Tồn cuối kỳ",
)
REGISTER_HEADINGS = (
    "STT",
    "Ngày giờ",
    "Nội dung",
    "Đối tượng / nơi nhận",
    "Nguồn",
    "Số lô",
    "Nhập",
    "Xuất",
    "Tồn",
    "Người thực hiện",
    "Người chứng kiến",
)


def _name(user: Any) -> str:
    return (user.full_name or user.username) if user is not None else ""


def stock_month(*, facility: Any, month: Period) -> dict[str, Any]:
    start, end = month.bounds()
    moves = StockMove.objects.filter(facility=facility)
    opening = dict(
        ((m, s), q)
        for m, s, q in moves.filter(recorded_at__lt=start)
        .values_list("medicine_id", "funding_source")
        .annotate(q=Sum("quantity"))
        .values_list("medicine_id", "funding_source", "q")
    )
    inside: dict[tuple[Any, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for m, s, kind, q in (
        moves.filter(recorded_at__gte=start, recorded_at__lt=end)
        .values_list("medicine_id", "funding_source", "kind")
        .annotate(q=Sum("quantity"))
        .values_list("medicine_id", "funding_source", "kind", "q")
    ):
        inside[(m, s)][kind] += q
    medicines = {m.id: m for m in Medicine.objects.filter(facility=facility)}
    rows = []
    for key in sorted(set(opening) | set(inside), key=lambda k: (str(medicines[k[0]]), k[1])):
        med = medicines[key[0]]
        got = inside.get(key, {})
        row = {
            "opening": opening.get(key, Decimal(0)),
            "received": got.get("receipt", Decimal(0)),
            "dispensed": -got.get("dose", Decimal(0)),
            "adjusted": got.get("count", Decimal(0)) + got.get("adjustment", Decimal(0)),
        }
        row["closing"] = row["opening"] + row["received"] - row["dispensed"] + row["adjusted"]
        rows.append(
            {
                "medicine_id": str(med.id),
                "name": med.name,
                "strength": med.strength,
                "unit": med.unit,
                "controlled": med.controlled,
                "funding_source": key[1],
                **{c: number(row[c]) for c in COLUMNS},
            }
        )
    return {
        "facility": {"id": str(facility.id), "name": facility.name},
        "month": month.key,
        "title": f"Báo cáo nhập – xuất – tồn thuốc {month.label}",
        "rows": rows,
    }


def controlled_register(*, facility: Any, month: Period, medicine_id: Any = None) -> dict[str, Any]:
    """Per controlled drug: the balance before the month, then each receipt, dose, count and
    adjustment with who did it, the witness and the drug's balance after it."""
    start, end = month.bounds()
    drugs = Medicine.objects.filter(facility=facility, controlled=True)
    if medicine_id is not None:
        drugs = drugs.filter(id=medicine_id)
    out = []
    for drug in drugs:
        before = StockMove.objects.filter(medicine=drug, recorded_at__lt=start).aggregate(
            q=Sum("quantity")
        )["q"] or Decimal(0)
        moves = list(
            StockMove.objects.filter(medicine=drug, recorded_at__gte=start, recorded_at__lt=end)
            .select_related("by", "witness", "lot")
            .order_by("id")
        )
        residents = dict(
            MedicationAdministration.objects.filter(
                id__in=[m.ref_id for m in moves if m.kind == "dose"]
            ).values_list("id", "resident__full_name")
        )
        lines = [
            {
                "at": L.local(m.at),
                "recorded_at": m.recorded_at.isoformat(),
                "kind": m.kind,
                "label": KIND[m.kind] + (f" ({m.reason})" if m.reason else ""),
                "for": residents.get(m.ref_id, m.supplier),
                "funding_source": m.funding_source,
                "lot": m.lot.lot,
                "in": number(m.quantity) if m.quantity > 0 else None,
                "out": number(-m.quantity) if m.quantity < 0 else None,
                "balance_after": number(m.medicine_balance_after),
                "by": _name(m.by),
                "witness": _name(m.witness),
            }
            for m in moves
        ]
        out.append(
            {
                "medicine_id": str(drug.id),
                "name": str(drug),
                "unit": drug.unit,
                "opening": number(before),
                "closing": number(moves[-1].medicine_balance_after) if moves else number(before),
                "lines": lines,
            }
        )
    return {
        "facility": {"id": str(facility.id), "name": facility.name},
        "month": month.key,
        "title": f"Sổ theo dõi thuốc kiểm soát đặc biệt {month.label}",
        "drugs": out,
    }
