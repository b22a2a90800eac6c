from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MedsConfig(AppConfig):
    name = "server.meds"
    label = "meds"
    verbose_name = _("Thuốc")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers med.administer, the change publishers and record.void of med_administration.
        from server.care.void import voidable
        from server.meds import handlers, publish  # noqa: F401
        from server.meds.append_only import reinstall_after_migrate
        from server.meds.doses import void_apply
        from server.meds.models import MedicationAdministration

        voidable("med_administration", MedicationAdministration, void_apply)
        post_migrate.connect(reinstall_after_migrate, sender=self, dispatch_uid="meds-append-only")
