from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MedsConfig(AppConfig):
    name = "server.meds"
    label = "meds"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers med.administer and declares med_order and med_administration.
        from server.meds import handlers, sync  # noqa: F401
        from server.meds.append_only import reinstall_after_migrate

        post_migrate.connect(reinstall_after_migrate, sender=self, dispatch_uid="meds-append-only")
