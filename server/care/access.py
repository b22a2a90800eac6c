"""Loading what an event references, once per sync call: domain objects inside the acting
user's scope, and a resident's moves.

Anything outside the scope is `not_found`, never `forbidden`: a phone must not learn that
another centre's resident exists.

A resident's moves (their stored transfers) are read as the rules read them and cached for
the call (`resident_moves`, preloaded by `moves_preload`): `med.administer` judges a dose
against where the resident was, `resident.transfer` appends the move it stores.
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from django.db.models import Model
from django.utils.translation import gettext_lazy

from server.accounts.models import Membership
from server.accounts.services import memberships_of
from server.care.models import Area, Resident, ResidentTransfer
from server.care.resident_rules import Move
from sync.registry import HandlerContext, PreloadContext, Rejected

M = TypeVar("M", bound=Model)
MOVES_KEY = "care.resident_moves"
# One wording for every id out of reach, whether it exists elsewhere or nowhere.
NOT_FOUND = gettext_lazy("Không tìm thấy bản ghi trong phạm vi của bạn.")


def _mine(ctx: HandlerContext | PreloadContext) -> dict[UUID, Membership]:
    """The user's memberships by facility (with their facility), loaded once per sync call."""
    cache = ctx.batch.setdefault("memberships", {})
    if ctx.user.pk not in cache:
        cache[ctx.user.pk] = {m.facility_id: m for m in memberships_of(ctx.user)}
    return cache[ctx.user.pk]


def my_memberships(ctx: HandlerContext | PreloadContext) -> list[Membership]:
    return list(_mine(ctx).values())


def membership_for(ctx: HandlerContext, facility_id: UUID) -> Membership:
    membership = _mine(ctx).get(facility_id)
    if membership is None:
        raise Rejected("not_found", NOT_FOUND)
    return membership


def area_in_scope(
    ctx: HandlerContext, area_id: UUID, *, facility_id: UUID | None = None
) -> tuple[Area, Membership]:
    """An area the user works in (of `facility_id` when given), or `not_found` with the
    same words whether the area is in another centre, out of the user's areas, or unknown."""
    area = Area.objects.select_related("facility").filter(id=area_id).first()
    if area is None or (facility_id is not None and area.facility_id != facility_id):
        raise Rejected("not_found", NOT_FOUND)
    membership = membership_for(ctx, area.facility_id)
    if not covers_area(membership, area.id):
        raise Rejected("not_found", NOT_FOUND)
    return area, membership


def covers_area(membership: Membership, area_id: UUID | None) -> bool:
    if membership.facility_wide or area_id is None:
        return True
    area_ids = _prefetched_area_ids(membership)
    if area_ids is not None:
        return area_id in area_ids
    return any(a.id == area_id for a in membership.areas.all())


def _prefetched_area_ids(membership: Membership) -> frozenset[UUID] | None:
    """The ids of the membership's prefetched areas, as a set built once per prefetch.

    A push checks every task it completes (hundreds a call); `membership.areas.all()` built
    a related manager and a queryset each time. The set is tied to the prefetched list it
    came from: Django drops that list when the areas change through the manager, and a
    new list makes a new set."""
    prefetched = getattr(membership, "_prefetched_objects_cache", {}).get("areas")
    if prefetched is None:
        return None
    memo = membership.__dict__.get("_area_id_set")
    if memo is None or memo[0] is not prefetched:
        memo = (prefetched, frozenset(a.id for a in prefetched))
        membership.__dict__["_area_id_set"] = memo
    return memo[1]


def load_in_scope(
    ctx: HandlerContext, model: type[M], pk: Any, *, for_update: bool = False, **related: Any
) -> tuple[M, Membership]:
    """The object and the user's membership in its facility, or `not_found`.

    An object a preloader kept for this call (`ctx.preloaded`) is used as it is when no
    lock is asked for: it is the call's current state of that row (the engine drops every
    kept instance when a handler without a preloader writes)."""
    obj: M | None = None if for_update else ctx.preloaded(model, pk)
    if obj is None:
        qs = model._default_manager.all()  # type: ignore[attr-defined]
        if for_update:
            qs = qs.select_for_update()
        obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Rejected("not_found", NOT_FOUND)
    membership = membership_for(ctx, obj.facility_id)  # type: ignore[attr-defined]
    if not covers_area(membership, getattr(obj, "area_id", None)):
        raise Rejected("not_found", NOT_FOUND)
    return obj, membership


def resident_moves(ctx: HandlerContext, resident: Resident) -> list[Move]:
    """The resident's transfers as moves, keyed by their event so a conflict can name it.
    Cached for the call; resident.transfer appends the moves it stores."""
    cache = ctx.batch.setdefault(MOVES_KEY, {})
    if resident.id not in cache:
        cache[resident.id] = [move_of(t) for t in resident.transfers.all()]
    return list(cache[resident.id])


def moves_preload(batch: dict, resident_ids: list[UUID]) -> None:
    """The moves of a call's residents in one query, for `resident_moves` to serve."""
    cache = batch.setdefault(MOVES_KEY, {})
    missing = [r for r in resident_ids if r not in cache]
    for r in missing:
        cache[r] = []
    for t in ResidentTransfer.objects.filter(resident_id__in=missing):
        cache[t.resident_id].append(move_of(t))


def move_of(t: ResidentTransfer) -> Move:
    """A stored transfer as the rules read it, keyed by its event so a conflict can name it."""
    return Move(at=t.at, status=t.status, previous=t.previous_status, key=str(t.event_id or t.id))
