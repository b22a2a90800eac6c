"""Who may keep the kitchen's records, and in which facility and area they live."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _

from server.accounts.models import Membership
from server.accounts.roles import FOOD_ROLES, SAMPLE_RELEASE_ROLES
from server.care.access import NOT_FOUND, membership_for, my_memberships
from server.care.models import Area, Facility
from sync.registry import HandlerContext, Rejected

# The kitchen's own name for who may end a sample's hold (server/accounts/roles.py).
RELEASE_ROLES = SAMPLE_RELEASE_ROLES


def kitchen_area_id(facility_id: UUID, cache: dict | None = None) -> UUID | None:
    """The facility's kitchen area: kitchen records are filed there, so kitchen staff and
    managers see them and carers of other areas do not."""
    if cache is not None and ("kitchen_area", facility_id) in cache:
        return cache[("kitchen_area", facility_id)]
    area_id = (
        Area.objects.filter(facility_id=facility_id, kind=Area.Kind.KITCHEN)
        .order_by("code")
        .values_list("id", flat=True)
        .first()
    )
    if cache is not None:
        cache[("kitchen_area", facility_id)] = area_id
    return area_id


def food_membership(
    ctx: HandlerContext, facility_id: UUID | None, *, roles: frozenset[str] = FOOD_ROLES
) -> Membership:
    """The acting user's membership for a kitchen record, or not_found / forbidden.

    Kitchen events need not name their facility: a person working in one centre records
    in it. Someone in several centres must say which (`facility_id`).
    """
    if facility_id is not None:
        membership = membership_for(ctx, facility_id)
    else:
        mine = my_memberships(ctx)
        food = [m for m in mine if m.role in roles]
        if len(food) == 1:
            membership = food[0]
        elif len(mine) == 1:
            membership = mine[0]
        elif not mine:
            raise Rejected("not_found", NOT_FOUND)
        else:
            raise Rejected(
                "invalid_args",
                _("Bạn làm ở nhiều trung tâm: cần chọn trung tâm."),
                details=[{"field": "facility_id", "message": "required"}],
            )
    if membership.role not in roles:
        raise Rejected("forbidden", _("Chỉ nhà bếp, y tế hoặc quản lý mới được ghi sổ thực phẩm."))
    return membership


def food_facility(
    ctx: HandlerContext, facility_id: UUID | None, *, roles: frozenset[str] = FOOD_ROLES
) -> Facility:
    """The facility a new kitchen record is filed in (`food_membership`'s), which the event
    counts in from here on."""
    facility = food_membership(ctx, facility_id, roles=roles).facility
    ctx.facility_id = facility.id
    return facility


def new_food_record_facility(
    ctx: HandlerContext, facility_id: UUID | None, model: type[Any], pk: UUID, taken: str
) -> Facility:
    """`food_facility`, for a record whose id must not be taken yet (`taken` says so)."""
    facility = food_facility(ctx, facility_id)
    if model.objects.filter(id=pk).exists():
        raise Rejected("duplicate_record", taken)
    return facility


def food_record_in_scope(
    ctx: HandlerContext, model: type[Any], pk: UUID, *, roles: frozenset[str] = FOOD_ROLES
):
    """A kitchen record by id, locked, in one of the user's facilities; else not_found."""
    record = model._default_manager.select_for_update().filter(pk=pk).first()
    if record is None:
        raise Rejected("not_found", NOT_FOUND)
    membership = membership_for(ctx, record.facility_id)
    if membership.role not in roles:
        raise Rejected("forbidden", _("Bạn không có quyền thao tác trên bản ghi này."))
    return record, membership
