"""`GET /api/meds/stock?facility=`: the levels of a centre's medicines, for nurses and
managers (docs/protocol.md)."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from server.accounts.services import membership_in
from server.stock import rules
from server.stock.models import Medicine, StockLevel
from server.stock.serializers import medicine_data, number, stock_level_data
from sync.api import error, json_response

router = Router(tags=["meds"])


@router.get("/stock", summary="Stock levels per medicine and funding source")
def meds_stock(request: HttpRequest, facility: UUID) -> HttpResponse:
    membership = membership_in(request.auth.user, facility)  # type: ignore[attr-defined]
    if membership is None:
        return error(404, "not_found", _("Không tìm thấy trung tâm này."))
    if (refusal := rules.permission_check(membership.role)) is not None:
        return error(403, refusal.code, _("Chỉ y tế hoặc quản lý mới xem được kho thuốc."))
    today = timezone.localdate()
    medicines = Medicine.objects.filter(facility_id=facility).order_by("name", "strength")
    levels = (
        StockLevel.objects.filter(facility_id=facility)
        .select_related("medicine")
        .prefetch_related("lots")
    )
    by_medicine: dict[UUID, list[dict]] = {}
    for level in levels:
        all_lots = sorted(
            level.lots.all(), key=lambda lot: (lot.expiry is None, lot.expiry, lot.lot)
        )
        data = stock_level_data(level, all_lots)
        lots = [
            {
                "lot": lot.lot,
                "expiry": lot.expiry,
                "quantity": number(lot.quantity),
                "near_expiry": rules.near_expiry(lot.expiry, today=today),
            }
            for lot in all_lots
            if lot.quantity != 0
        ]
        by_medicine.setdefault(level.medicine_id, []).append(
            {"id": str(level.id), **data, "lots": lots}
        )
    return json_response(
        {
            "items": [
                {"id": str(m.id), **medicine_data(m), "levels": by_medicine.get(m.id, [])}
                for m in medicines
            ]
        }
    )
