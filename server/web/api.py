"""Small read APIs for the phone that are not part of the change log.

GET /api/staff?facility=<id>: the staff of one of the caller's facilities (the witness
picker for controlled drugs). Names and roles only: least data on phones.
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from server.accounts.models import Membership
from server.accounts.services import membership_in
from sync.api import error, json_response

staff_router = Router(tags=["staff"])


@staff_router.get("", summary="Staff of one of my facilities (id, full name, role)")
def staff_list(request: HttpRequest, facility: UUID) -> HttpResponse:
    user = request.auth.user  # type: ignore[attr-defined]
    if membership_in(user, facility) is None:
        # Another centre's staff list does not exist, to this caller.
        return error(404, "not_found", _("Không tìm thấy trung tâm này trong phạm vi của bạn."))
    rows = (
        Membership.objects.filter(facility_id=facility, active=True, user__is_active=True)
        .select_related("user")
        .order_by("user__full_name", "user__username")
    )
    items = [
        {"id": str(m.user_id), "full_name": m.user.full_name or m.user.username, "role": m.role}
        for m in rows
    ]
    return json_response({"items": items, "count": len(items)})
