from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "server.care"
    verbose_name = _("Chăm sóc")

    def ready(self) -> None:
        from server.care import (  # noqa: F401  registers the care handlers
            handlers,
            horizon,  # noqa: F401  registers the task_horizon job
            resident_handlers,  # noqa: F401  registers resident.update / resident.transfer
            sweep,  # noqa: F401  registers the missed_sweep job
            sync,  # noqa: F401  declares care's synced types
            void,
        )
