from typing import Any
from uuid import UUID

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KitchenConfig(AppConfig):
    name = "server.kitchen"
    label = "kitchen"
    verbose_name = _("Nhà bếp")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from server.care.publish import publisher
        from server.care.vocabulary import vocabulary_part
        from server.care.void import voidable
        from server.kitchen import food_checks, handlers  # registers the kitchen handlers
        from server.kitchen import serializers as s
        from server.kitchen.access import FOOD_ROLES, RELEASE_ROLES, kitchen_area_id
        from server.kitchen.models import FoodCheck, FoodSample, Meal

        def kitchen_area(obj: Any) -> UUID | None:
            return kitchen_area_id(obj.facility_id)

        publisher("kitchen.FoodSample", "food_sample", area=kitchen_area)(s.food_sample_data)
        publisher("kitchen.FoodCheck", "food_check", area=kitchen_area)(s.food_check_data)
        publisher("kitchen.FridgeReading", "fridge_reading", area=kitchen_area)(
            s.fridge_reading_data
        )
        publisher("kitchen.MenuDish", "menu_dish", area=kitchen_area)(s.menu_dish_data)
        voidable("food_sample", FoodSample, handlers.food_sample_void_apply)
        voidable("food_check", FoodCheck, food_checks.food_check_void_apply)
        vocabulary_part(
            lambda: {
                "meals": list(Meal.values),
                # Who keeps the kitchen's records, and who may end a sample's hold.
                "food_roles": sorted(FOOD_ROLES),
                "sample_release_roles": sorted(RELEASE_ROLES),
            }
        )
