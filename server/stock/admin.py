"""Admin for the medicine catalogue (published to phones) and the read-only stock book."""

from __future__ import annotations

from django.contrib import admin

from server.care.admin_sync import ReadOnlyAdmin, SyncedAdmin, admin_register_rest
from server.stock.models import Medicine, StockLevel, StockMove


@admin.register(Medicine)
class MedicineAdmin(SyncedAdmin):
    fields = (
        "facility",
        "name",
        "strength",
        "form",
        "unit",
        "controlled",
        "min_stock",
        "tolerance_pct",
        "active",
    )
    list_display = ("name", "strength", "form", "unit", "controlled", "min_stock", "active")
    list_filter = ("facility", "controlled", "active")
    search_fields = ("name",)


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ("medicine", "funding_source", "quantity")
    list_filter = ("facility", "funding_source")
    list_select_related = ("medicine",)


@admin.register(StockMove)
class StockMoveAdmin(ReadOnlyAdmin):
    list_display = (
        "recorded_at",
        "medicine",
        "funding_source",
        "kind",
        "quantity",
        "balance_after",
        "by",
        "witness",
    )
    list_filter = ("facility", "kind", "funding_source", "medicine__controlled")
    search_fields = ("medicine__name",)
    date_hierarchy = "recorded_at"
    list_select_related = ("medicine", "by", "witness")


admin_register_rest("stock")
