from django.apps import AppConfig
from django.db.models.signals import post_migrate
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
        from server.care.facility_refresh import refresh_after_migrate

        # A deploy's new vocabulary and settings' defaults reach the phones (the module says
        # why): post_migrate comes once all migrations are applied and every app is ready.
        post_migrate.connect(
            refresh_after_migrate, sender=self, dispatch_uid="care-facility-refresh"
        )
