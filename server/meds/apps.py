from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MedsConfig(AppConfig):
    name = "server.meds"
    verbose_name = _("Thuốc")

    def ready(self) -> None:
        # Registers med.administer and declares med_order and med_administration; plugs the
        # scheduled doses into care's horizon, the away check into its transfers and its codes
        # into the vocabulary.
        from server.care.horizon import TASK_SOURCES
        from server.care.resident_handlers import TRANSFER_HOOKS
        from server.care.vocabulary import vocabulary_part
        from server.meds import handlers, sync  # noqa: F401
        from server.meds.append_only import reinstall_after_migrate
        from server.meds.away import doses_while_away
        from server.meds.dose_tasks import dose_tasks
        from server.meds.vocabulary import meds_vocabulary

        if dose_tasks not in TASK_SOURCES:
            TASK_SOURCES.append(dose_tasks)
        if doses_while_away not in TRANSFER_HOOKS:
            TRANSFER_HOOKS.append(doses_while_away)
        vocabulary_part(meds_vocabulary)
        post_migrate.connect(reinstall_after_migrate, sender=self, dispatch_uid="meds-append-only")
