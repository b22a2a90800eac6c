"""Loading domain objects for an event, inside the acting user's scope.

Anything outside the scope is `not_found`, never `forbidden`: a phone must not learn that
another centre's resident exists.
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from django.db.models import Model

from server.accounts.models import Membership
from server.accounts.services import memberships_of
from sync.registry import HandlerContext, Rejected

M = TypeVar("M", bound=Model)


def membership_for(ctx: HandlerContext, facility_id: UUID) -> Membership:
    cache = ctx.batch.setdefault("memberships", {})
    if ctx.user.pk not in cache:
        cache[ctx.user.pk] = {m.facility_id: m for m in memberships_of(ctx.user)}
    membership = cache[ctx.user.pk].get(facility_id)
    if membership is None:
        raise Rejected("not_found", "Không tìm thấy bản ghi trong phạm vi của bạn.")
    return membership


def covers_area(membership: Membership, area_id: UUID | None) -> bool:
    if membership.facility_wide or area_id is None:
        return True
    return any(a.id == area_id for a in membership.areas.all())


def load_in_scope(
    ctx: HandlerContext, model: type[M], pk: Any, *, for_update: bool = False, **related: Any
) -> tuple[M, Membership]:
    """The object and the user's membership in its facility, or `not_found`."""
    qs = model._default_manager.all()  # type: ignore[attr-defined]
    if for_update:
        qs = qs.select_for_update()
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Rejected("not_found", "Không tìm thấy bản ghi trong phạm vi của bạn.")
    membership = membership_for(ctx, obj.facility_id)  # type: ignore[attr-defined]
    if not covers_area(membership, getattr(obj, "area_id", None)):
        raise Rejected("not_found", "Không tìm thấy bản ghi trong phạm vi của bạn.")
    return obj, membership
