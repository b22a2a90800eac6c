"""GET /api/hygiene/dilution: the Cloramin B calculator (docs/domain.md), both ways."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from server.accounts.services import memberships_of
from server.care.models import DEFAULT_FACILITY_SETTINGS
from server.hygiene.rules import (
    DilutionError,
    active_chlorine_pct,
    active_pct_of,
    dilution_inputs_check,
    grams_for,
)
from sync.api import error, json_response

router = Router(tags=["hygiene"])


@router.get("/dilution", summary="Grams of powder for a solution, and the active chlorine it gives")
def hygiene_dilution(
    request: HttpRequest,
    litres: Decimal,
    target_pct: Decimal | None = None,
    grams: Decimal | None = None,
    basis: Literal["product", "active_chlorine"] | None = None,
    product_strength_pct: Decimal | None = None,
    facility_id: UUID | None = None,
) -> HttpResponse:
    """litres + target_pct (+ basis, strength) -> grams; litres + grams -> active chlorine %.

    Missing basis and strength come from the caller's facility settings, so the phone and
    the printed procedure read "%" the same way.
    """
    user = request.auth.user  # type: ignore[attr-defined]
    mine = [m for m in memberships_of(user) if facility_id is None or m.facility_id == facility_id]
    if facility_id is not None and not mine:
        return error(404, "not_found", _("Không tìm thấy trung tâm trong phạm vi của bạn."))

    def setting(key: str):
        return mine[0].facility.setting(key) if len(mine) == 1 else DEFAULT_FACILITY_SETTINGS[key]

    basis = basis or setting("chlorine_basis")
    strength = (
        product_strength_pct
        if product_strength_pct is not None
        else Decimal(str(setting("chlorine_product_strength_pct")))
    )
    if (target_pct is None) == (grams is None):
        return error(400, "invalid_request", _("Cần đúng một trong hai: target_pct hoặc grams."))
    try:
        dilution_inputs_check(
            litres=litres, target_pct=target_pct, grams=grams, product_strength_pct=strength
        )
        if target_pct is not None:
            grams = grams_for(
                litres=litres, target_pct=target_pct, basis=basis, product_strength_pct=strength
            )
        assert grams is not None
        active = active_chlorine_pct(grams=grams, litres=litres, product_strength_pct=strength)
        wanted = (
            active_pct_of(target_pct, basis=basis, product_strength_pct=strength)
            if target_pct
            else None
        )
    except DilutionError as exc:
        return error(
            400, "invalid_request", _("Số liệu pha không hợp lệ."), details=[{"message": str(exc)}]
        )
    return json_response(
        {
            "litres": float(litres),
            "target_pct": float(target_pct) if target_pct is not None else None,
            "basis": basis,
            "product_strength_pct": float(strength),
            "grams": float(grams),
            "grams_per_litre": float((grams / litres).quantize(Decimal("0.01"))),
            "active_chlorine_pct": float(active),
            "target_active_chlorine_pct": float(wanted) if wanted is not None else None,
        }
    )
