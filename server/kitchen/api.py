"""GET /api/kitchen/expected: the day's expected food samples and the missing ones."""

from __future__ import annotations

from datetime import date as Date
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from server.accounts.services import memberships_of
from server.kitchen.access import FOOD_ROLES
from server.kitchen.services import samples_expected
from sync.api import error, json_response

router = Router(tags=["kitchen"])


@router.get("/expected", summary="Dishes of the locked menu, and those with no food sample yet")
def kitchen_expected(
    request: HttpRequest, date: Date | None = None, facility_id: UUID | None = None
) -> HttpResponse:
    user = request.auth.user  # type: ignore[attr-defined]
    mine = [m for m in memberships_of(user) if facility_id is None or m.facility_id == facility_id]
    if not mine:
        return error(404, "not_found", _("Không tìm thấy trung tâm trong phạm vi của bạn."))
    food = [m for m in mine if m.role in FOOD_ROLES]
    if not food:
        return error(403, "forbidden", _("Chỉ nhà bếp, y tế hoặc quản lý mới xem được sổ lưu mẫu."))
    if len(food) > 1:
        return error(
            400,
            "facility_required",
            _("Bạn làm ở nhiều trung tâm: cần chọn trung tâm (facility_id)."),
        )
    result = samples_expected(facility_id=food[0].facility_id, on=date or timezone.localdate())

    def row(d) -> dict:
        return {"meal": d.meal, "dish": d.dish, "liquid": d.liquid}

    return json_response(
        {
            "facility_id": str(food[0].facility_id),
            "date": result.date.isoformat(),
            "menu_locked": result.menu_locked,
            "expected": [row(d) for d in result.expected],
            "missing": [row(d) for d in result.missing],
        }
    )
