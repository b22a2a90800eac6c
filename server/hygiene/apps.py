from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HygieneConfig(AppConfig):
    name = "server.hygiene"
    label = "hygiene"
    verbose_name = _("Khử khuẩn")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from server.care.publish import publisher
        from server.care.void import voidable
        from server.hygiene import handlers  # registers the hygiene handlers
        from server.hygiene import serializers as s
        from server.hygiene.models import DisinfectionRecord

        publisher("hygiene.DisinfectionRecord", "disinfection")(s.disinfection_data)
        publisher("hygiene.VehicleTrip", "vehicle_trip")(s.vehicle_trip_data)
        voidable("disinfection", DisinfectionRecord, handlers.disinfection_void_apply)
