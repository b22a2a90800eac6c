"""The three-step food check (kiểm thực ba bước, Mẫu số 1–3) and the sample fridge log."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AwareDatetime, BaseModel, Field, ValidationError

from server.kitchen.access import food_facility, new_food_record_facility
from server.kitchen.fields import rounded
from server.kitchen.models import FoodCheck, FridgeReading
from server.kitchen.rules import cook_to_eat_flags, dish_key, fridge_flags
from sync.protocol import EventArgs, judged_at
from sync.registry import Decision, HandlerContext, Rejected, register
from sync.types import emit

MealName = Literal["breakfast", "lunch", "dinner", "snack"]
Text = Field(default="", max_length=300)


class Step1Item(EventArgs):
    """Mẫu số 1: ingredients on arrival. Part I fresh/frozen, part II dry/packaged."""

    name: str = Field(min_length=1, max_length=200)
    part: Literal["fresh", "dry"] = "fresh"
    received_at: AwareDatetime | None = None
    quantity: str = Text
    supplier: str = Text
    supplier_address: str = Text
    supplier_phone: str = Text
    deliverer: str = Text
    papers: str = Text
    sensory_ok: bool | None = None
    quick_test: str = Text
    expiry_date: date | None = None
    storage: str = Text
    action: str = Text


class DishItem(EventArgs):
    """A line of steps 2 and 3, one per dish: what both forms ask of every dish."""

    dish: str = Field(min_length=1, max_length=200)
    portions: int | None = Field(default=None, ge=0)
    cooking_finished_at: AwareDatetime | None = None
    sensory_ok: bool | None = None
    action: str = Text


class Step2Item(DishItem):
    """Mẫu số 2: while cooking."""

    main_ingredients: str = Text
    prep_finished_at: AwareDatetime | None = None
    hygiene_people_ok: bool | None = None
    hygiene_equipment_ok: bool | None = None
    hygiene_area_ok: bool | None = None


class Step3Item(DishItem):
    """Mẫu số 3: before serving."""

    serving_finished_at: AwareDatetime | None = None
    eating_starts_at: AwareDatetime | None = None
    utensils_ok: bool | None = None
    covers_ok: bool | None = None


ITEM_MODELS: dict[int, type[BaseModel]] = {1: Step1Item, 2: Step2Item, 3: Step3Item}


class FoodCheckRecordArgs(EventArgs):
    check_id: UUID
    meal: MealName
    meal_date: date | None = None
    step: Literal[1, 2, 3]
    result: Literal["ok", "issue"]
    items: list[dict[str, Any]] = Field(default_factory=list, max_length=200)
    note: str = Field(default="", max_length=2000)
    facility_id: UUID | None = None


def _items_parse(step: int, items: list[dict[str, Any]]) -> list[BaseModel]:
    model = ITEM_MODELS[step]
    parsed: list[BaseModel] = []
    for index, raw in enumerate(items):
        try:
            parsed.append(model.model_validate(raw))
        except ValidationError as exc:
            details = [
                {
                    "field": f"items.{index}." + ".".join(str(p) for p in e["loc"]),
                    "message": e["msg"],
                }
                for e in exc.errors(include_url=False, include_context=False, include_input=False)
            ]
            raise Rejected(
                "invalid_args",
                _("Dòng %(line)s của phiếu kiểm thực bước %(step)s chưa đúng.")
                % {"line": index + 1, "step": step},
                details=details,
            ) from exc
    return parsed


def _cooking_finished(facility_id: UUID, meal: str, meal_date: date) -> dict[str, datetime]:
    """Cooking-finished times per dish from the step-2 checks of the same meal."""
    out: dict[str, datetime] = {}
    for items in FoodCheck.objects.filter(
        facility_id=facility_id, meal=meal, meal_date=meal_date, step=2, void=False
    ).values_list("items", flat=True):
        for item in items:
            value = item.get("cooking_finished_at")
            if value and item.get("dish"):
                out[dish_key(item["dish"])] = datetime.fromisoformat(value)
    return out


@register("food_check.record", FoodCheckRecordArgs)
def food_check_record(ctx: HandlerContext, args: FoodCheckRecordArgs) -> Decision:
    """Append-only: a step is a signed record; a mistake is voided, never edited."""
    facility = food_facility(ctx, args.facility_id)
    items = _items_parse(args.step, args.items)
    if FoodCheck.objects.filter(id=args.check_id).exists():
        raise Rejected("duplicate_record", _("Phiếu kiểm thực với mã này đã được ghi."))
    at = judged_at(ctx)
    meal_date = args.meal_date or timezone.localdate(at)
    flags: list[str] = []
    if args.step == 3:
        flags.extend(
            cook_to_eat_flags(
                [i.model_dump() for i in items],
                _cooking_finished(facility.id, args.meal, meal_date),
                max_minutes=facility.setting("cook_to_eat_max_minutes"),
            )
        )
    if args.result == "issue":
        flags.append("issue")
    check = FoodCheck.objects.create(
        id=args.check_id,
        facility=facility,
        meal_date=meal_date,
        items=[i.model_dump(mode="json") for i in items],
        flags=flags,
        by=ctx.user,
        at=at,
        **args.given("meal", "step", "result", "note"),
    )
    ctx.flag(*flags)
    emit(ctx, check)
    return Decision(status="applied")


class FridgeReadingArgs(EventArgs):
    reading_id: UUID
    temp_c: rounded(1, ge=-50, le=99)  # type: ignore[valid-type]
    at: AwareDatetime | None = None
    facility_id: UUID | None = None


@register("fridge.reading", FridgeReadingArgs)
def fridge_reading(ctx: HandlerContext, args: FridgeReadingArgs) -> Decision:
    """The sample fridge's daily temperature (2–8 °C); outside it is kept and flagged."""
    facility = new_food_record_facility(
        ctx, args.facility_id, FridgeReading, args.reading_id, _("Lần đo với mã này đã được ghi.")
    )
    flags = fridge_flags(
        args.temp_c,
        fridge_min_c=Decimal(str(facility.setting("sample_fridge_min_c"))),
        fridge_max_c=Decimal(str(facility.setting("sample_fridge_max_c"))),
    )
    reading = FridgeReading.objects.create(
        id=args.reading_id,
        facility=facility,
        temp_c=args.temp_c,
        at=judged_at(ctx, args.at),
        by=ctx.user,
        flags=list(flags),
    )
    ctx.flag(*flags)
    emit(ctx, reading)
    return Decision(status="applied")
