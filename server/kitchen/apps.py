from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KitchenConfig(AppConfig):
    name = "server.kitchen"
    verbose_name = _("Nhà bếp")

    def ready(self) -> None:
        from server.care.vocabulary import vocabulary_part
        from server.kitchen import (  # noqa: F401  registers the kitchen handlers, declares its types
            food_checks,
            handlers,
            sync,
        )
        from server.kitchen.access import FOOD_ROLES, RELEASE_ROLES
        from server.kitchen.models import Meal

        vocabulary_part(
            lambda: {
                "meals": list(Meal.values),
                # Who keeps the kitchen's records, and who may end a sample's hold.
                "food_roles": sorted(FOOD_ROLES),
                "sample_release_roles": sorted(RELEASE_ROLES),
            }
        )
