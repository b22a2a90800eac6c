"""Food sample events (lưu mẫu thức ăn): record, discard, hold, release (docs/domain.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from pydantic import AwareDatetime, Field

from server.kitchen.access import (
    FOOD_ROLES,
    RELEASE_ROLES,
    food_record_in_scope,
    kitchen_area_id,
    new_food_record_facility,
)
from server.kitchen.fields import rounded
from server.kitchen.models import FoodSample, MenuDish
from server.kitchen.rules import (
    SampleState,
    menu_liquid,
    sample_discard_decide,
    sample_flags,
    sample_hold_decide,
    sample_keep_until,
)
from sync.protocol import EventArgs, judged_at
from sync.registry import Decision, HandlerContext, Rejected, register
from sync.types import conflict_about, emit

MealName = Literal["breakfast", "lunch", "dinner", "snack"]
EARLY_DISCARD = gettext_lazy("Mẫu bị hủy trước thời hạn lưu tối thiểu; quản lý trực sẽ xem xét.")


def _state(sample: FoodSample) -> SampleState:
    return SampleState(
        keep_until=sample.keep_until,
        discarded=sample.discarded_at is not None,
        hold=sample.hold,
        void=sample.void,
    )


class FoodSampleRecordArgs(EventArgs):
    sample_id: UUID
    meal: MealName
    dish: str = Field(min_length=1, max_length=200)
    quantity: rounded(1, gt=0, le=100000)  # type: ignore[valid-type]
    unit: Literal["g", "ml"]
    stored_temp_c: rounded(1, ge=-50, le=99) | None = None  # type: ignore[valid-type]
    taken_at: AwareDatetime
    cooking_finished_at: AwareDatetime | None = None
    container_label: str = Field(default="", max_length=120)
    portions: int | None = Field(default=None, ge=0, le=100000)
    meal_date: date | None = None
    note: str = Field(default="", max_length=2000)
    facility_id: UUID | None = None


@register("food_sample.record", FoodSampleRecordArgs)
def food_sample_record(ctx: HandlerContext, args: FoodSampleRecordArgs) -> Decision:
    facility = new_food_record_facility(
        ctx, args.facility_id, FoodSample, args.sample_id, gettext("Mẫu với mã này đã được ghi.")
    )
    taken_at = judged_at(ctx, args.taken_at)
    cooked = judged_at(ctx, args.cooking_finished_at) if args.cooking_finished_at else None
    meal_date = args.meal_date or timezone.localdate(taken_at)
    menu = MenuDish.objects.filter(facility=facility, date=meal_date, meal=args.meal)
    flags = sample_flags(
        quantity=args.quantity,
        unit=args.unit,
        liquid=menu_liquid(args.dish, menu.values_list("dish", "liquid")),
        stored_temp_c=args.stored_temp_c,
        min_solid_g=Decimal(str(facility.setting("food_sample_min_solid_g"))),
        min_liquid_ml=Decimal(str(facility.setting("food_sample_min_liquid_ml"))),
        fridge_min_c=Decimal(str(facility.setting("sample_fridge_min_c"))),
        fridge_max_c=Decimal(str(facility.setting("sample_fridge_max_c"))),
    )
    sample = FoodSample.objects.create(
        id=args.sample_id,
        facility=facility,
        meal_date=meal_date,
        dish=args.dish.strip(),
        taken_at=taken_at,
        cooking_finished_at=cooked,
        keep_until=sample_keep_until(
            taken_at,
            cooked,
            keep_hours=facility.setting("food_sample_keep_hours"),
        ),
        taken_by=ctx.user,
        flags=list(flags),
        **args.given(
            "meal", "portions", "quantity", "unit", "container_label", "stored_temp_c", "note"
        ),
    )
    ctx.flag(*flags)
    emit(ctx, sample)
    return Decision(status="applied")


class FoodSampleDiscardArgs(EventArgs):
    sample_id: UUID
    at: AwareDatetime | None = None  # when it was thrown away; the event's time if absent
    note: str = Field(default="", max_length=2000)


@register("food_sample.discard", FoodSampleDiscardArgs)
def food_sample_discard(ctx: HandlerContext, args: FoodSampleDiscardArgs) -> Decision:
    sample, _ = food_record_in_scope(ctx, FoodSample, args.sample_id)
    ctx.facility_id = sample.facility_id
    at = judged_at(ctx, args.at)
    verdict = sample_discard_decide(_state(sample), at)
    if verdict == "void":
        raise Rejected("void", gettext("Bản ghi mẫu này đã bị hủy."))
    if verdict == "on_hold":
        raise Rejected(
            "on_hold",
            gettext("Mẫu đang được giữ (nghi ngộ độc / cơ quan yêu cầu); không được hủy."),
        )
    if verdict == "merge":
        return Decision(status="merged")
    # Discarding is its own signed act (Mẫu số 5): who, when, and the event that said so.
    sample.discarded_at = at
    sample.discarded_by = ctx.user
    sample.history = [
        *sample.history,
        {
            "action": "discard",
            "by": str(ctx.user.pk),
            "at": at.isoformat(),
            "note": args.note,
            "event": str(ctx.event.id),
        },
    ]
    if verdict == "early" and "early_discard" not in sample.flags:
        sample.flags = [*sample.flags, "early_discard"]
    sample.version += 1
    sample.save()
    emit(ctx, sample)
    if verdict == "early":
        conflict_about(
            ctx,
            sample,
            kind="early_discard",
            area_id=kitchen_area_id(sample.facility_id, ctx.batch),
            details={
                "keep_until": sample.keep_until.isoformat(),
                "discarded_at": at.isoformat(),
                "dish": sample.dish,
                "meal": sample.meal,
                "by": str(ctx.user.pk),
            },
            message=EARLY_DISCARD,
        )
        return Decision(status="conflict", code="early_discard", message=EARLY_DISCARD)
    return Decision(status="applied")


class FoodSampleHoldArgs(EventArgs):
    sample_id: UUID
    reason: str = Field(min_length=1, max_length=300)


def _hold_change(ctx: HandlerContext, args: FoodSampleHoldArgs, *, hold: bool) -> Decision:
    sample, _ = food_record_in_scope(
        ctx, FoodSample, args.sample_id, roles=FOOD_ROLES if hold else RELEASE_ROLES
    )
    ctx.facility_id = sample.facility_id
    if not args.reason.strip():
        raise Rejected(
            "invalid_args",
            gettext("Cần ghi lý do."),
            details=[{"field": "reason", "message": "blank"}],
        )
    verdict = sample_hold_decide(_state(sample), hold=hold)
    if verdict == "void":
        raise Rejected("void", gettext("Bản ghi mẫu này đã bị hủy."))
    if verdict == "discarded":
        raise Rejected("already_discarded", gettext("Mẫu đã bị hủy, không thể giữ lại."))
    if verdict == "merge":
        return Decision(status="merged")
    sample.hold = hold
    sample.hold_reason = args.reason if hold else ""
    # The person releasing is the signed-in user, named in the history with the reason.
    sample.history = [
        *sample.history,
        {
            "action": "hold" if hold else "release",
            "by": str(ctx.user.pk),
            "by_name": ctx.user.full_name or ctx.user.username,
            "at": judged_at(ctx).isoformat(),
            "reason": args.reason,
            "event": str(ctx.event.id),
        },
    ]
    sample.version += 1
    sample.save()
    emit(ctx, sample)
    return Decision(status="applied")


@register("food_sample.hold", FoodSampleHoldArgs)
def food_sample_hold(ctx: HandlerContext, args: FoodSampleHoldArgs) -> Decision:
    return _hold_change(ctx, args, hold=True)


@register("food_sample.release", FoodSampleHoldArgs)
def food_sample_release(ctx: HandlerContext, args: FoodSampleHoldArgs) -> Decision:
    return _hold_change(ctx, args, hold=False)
