from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StockConfig(AppConfig):
    name = "server.stock"
    verbose_name = _("Kho thuốc")

    def ready(self) -> None:
        # Registers stock.receive / count / adjust, declares medicine and stock_level, takes a
        # dose's units from the shelf (and puts a voided dose's back), adds the stock vocabulary.
        from server.care.vocabulary import LABELS, vocabulary_part
        from server.meds.doses import VOID_HOOKS
        from server.meds.handlers import DOSE_HOOKS
        from server.stock import doses, handlers, sync  # noqa: F401
        from server.stock.append_only import STOCK
        from server.stock.vocabulary import stock_vocabulary

        if doses.dose_take not in DOSE_HOOKS:
            DOSE_HOOKS.append(doses.dose_take)
        if doses.dose_return not in VOID_HOOKS:
            VOID_HOOKS.append(doses.dose_return)
        vocabulary_part(stock_vocabulary)
        # The phone labels each code of these lists (mobile_client/i18n, a test checks it).
        LABELS.update({"stock_sources": "stock.source", "stock_adjust_reasons": "stock.reason"})
        LABELS.setdefault("stock_roles", "role")
        post_migrate.connect(
            STOCK.reinstall_after_migrate, sender=self, dispatch_uid="stock-append-only"
        )
