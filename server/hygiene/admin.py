"""Admin for disinfection rounds: read-only, they are recorded on the phones."""

from __future__ import annotations

from django.contrib import admin

from server.care.admin_sync import ReadOnlyAdmin, admin_register_rest
from server.hygiene.models import DisinfectionRecord


@admin.register(DisinfectionRecord)
class DisinfectionRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "target",
        "area",
        "chemical",
        "concentration_pct",
        "active_chlorine_pct",
        "by",
        "void",
    )
    list_filter = ("facility", "target", "chemical", "void")
    search_fields = ("note", "area__name")
    date_hierarchy = "at"
    list_select_related = ("area", "by")


admin_register_rest("hygiene")
