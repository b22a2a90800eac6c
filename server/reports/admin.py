"""The centre's report settings and each period's report text, in the admin."""

from __future__ import annotations

from django.contrib import admin

from server.reports.models import PeriodReport, ReportSettings
from sync.admin_scope import FacilityScopedAdmin


@admin.register(ReportSettings)
class ReportSettingsAdmin(FacilityScopedAdmin, admin.ModelAdmin):
    list_display = ("facility", "parent_agency", "director_name", "target_residents")


@admin.register(PeriodReport)
class PeriodReportAdmin(FacilityScopedAdmin, admin.ModelAdmin):
    list_display = ("facility", "period", "number", "updated_at", "sent_at")
    list_filter = ("facility",)
    readonly_fields = ("updated_at", "updated_by", "sent_at", "sent_by")

    def get_readonly_fields(self, request, obj=None):
        # Sent is final: what the Department received is not rewritten afterwards.
        if obj is not None and obj.sent_at is not None:
            return [f.name for f in obj._meta.fields]
        return self.readonly_fields
