from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StockConfig(AppConfig):
    name = "server.stock"
    label = "stock"
    verbose_name = _("Kho thuốc")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers stock.receive / count / adjust and the medicine and stock_level publishers.
        from server.care.publish import publisher
        from server.care.vocabulary import LABELS, vocabulary_part
        from server.meds.doses import VOID_HOOKS
        from server.meds.handlers import DOSE_HOOKS
        from server.stock import handlers
        from server.stock.append_only import STOCK
        from server.stock.serializers import NURSES_ONLY_AREA, medicine_data, stock_level_data
        from server.stock.vocabulary import stock_vocabulary

        if handlers.dose_take not in DOSE_HOOKS:
            DOSE_HOOKS.append(handlers.dose_take)
        if handlers.dose_return not in VOID_HOOKS:
            VOID_HOOKS.append(handlers.dose_return)
        publisher("stock.Medicine", "medicine", area=lambda o: NURSES_ONLY_AREA)(medicine_data)
        publisher("stock.StockLevel", "stock_level", area=lambda o: NURSES_ONLY_AREA)(
            stock_level_data
        )
        vocabulary_part(stock_vocabulary)
        # The phone labels each code of these lists (mobile_client/i18n, a test checks it).
        LABELS.update({"stock_sources": "stock.source", "stock_adjust_reasons": "stock.reason"})
        LABELS.setdefault("stock_roles", "role")
        post_migrate.connect(
            STOCK.reinstall_after_migrate, sender=self, dispatch_uid="stock-append-only"
        )
