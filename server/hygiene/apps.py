from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HygieneConfig(AppConfig):
    name = "server.hygiene"
    verbose_name = _("Khử khuẩn")

    def ready(self) -> None:
        # Registers the hygiene handlers and declares disinfection and vehicle_trip.
        from server.hygiene import handlers, sync  # noqa: F401
