from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

# Adjustment reasons in the order a phone offers them, the usual ones first.
ADJUST_REASON_ORDER = ("expired", "damaged", "lost", "returned", "transfer_out", "other")


def stock_vocabulary() -> dict[str, Any]:
    """What the nurse's stock screens offer and check before sending (server/stock/rules.py
    checks it all again)."""
    from server.stock import rules
    from server.stock.models import StockSource

    assert set(ADJUST_REASON_ORDER) == rules.ADJUST_REASONS
    return {
        "stock_roles": sorted(rules.STOCK_ROLES),
        "stock_sources": list(StockSource.values),
        "stock_adjust_reasons": list(ADJUST_REASON_ORDER),
        # A medication order's funding source -> the stock's (the centre's budget is "budget").
        "stock_order_source": dict(rules.ORDER_SOURCE),
        "stock_limits": {
            "max_quantity": int(rules.MAX_QUANTITY),
            "near_expiry_days": rules.NEAR_EXPIRY_DAYS,
            "max_shelf_years": rules.MAX_SHELF_YEARS,
            "whole_units": sorted(rules.WHOLE_UNITS),
        },
    }


class StockConfig(AppConfig):
    name = "server.stock"
    label = "stock"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers stock.receive / count / adjust and the medicine and stock_level publishers.
        from server.care.publish import publisher
        from server.care.vocabulary import LABELS, vocabulary_part
        from server.meds.events import DOSE_HOOKS
        from server.meds.records import VOID_HOOKS
        from server.stock import events
        from server.stock.append_only import STOCK
        from server.stock.serializers import NURSES_ONLY_AREA, medicine_data, stock_level_data

        if events.dose_take not in DOSE_HOOKS:
            DOSE_HOOKS.append(events.dose_take)
        if events.dose_return not in VOID_HOOKS:
            VOID_HOOKS.append(events.dose_return)
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
