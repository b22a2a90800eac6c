from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StockConfig(AppConfig):
    name = "server.stock"
    label = "stock"
    verbose_name = _("Kho thuốc")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers stock.receive / count / adjust and declares medicine and stock_level.
        from server.meds.doses import VOID_HOOKS
        from server.meds.handlers import DOSE_HOOKS
        from server.stock import handlers, sync  # noqa: F401
        from server.stock.append_only import STOCK

        if handlers.dose_take not in DOSE_HOOKS:
            DOSE_HOOKS.append(handlers.dose_take)
        if handlers.dose_return not in VOID_HOOKS:
            VOID_HOOKS.append(handlers.dose_return)
        post_migrate.connect(
            STOCK.reinstall_after_migrate, sender=self, dispatch_uid="stock-append-only"
        )
