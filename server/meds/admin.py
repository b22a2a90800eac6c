"""Admin for medication orders (the prescriptions) and the read-only administration record."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from server.care.admin import times_clean
from server.care.admin_sync import ReadOnlyAdmin, SyncedAdmin, admin_register_rest
from server.meds.models import MedicationAdministration, MedicationOrder


class MedicationOrderForm(forms.ModelForm):
    class Meta:
        model = MedicationOrder
        fields = (
            "facility",
            "resident",
            "drug",
            "dose",
            "route",
            "times",
            "prn",
            "indication",
            "min_interval_minutes",
            "max_per_24h",
            "window_minutes",
            "time_critical",
            "controlled",
            "funding_source",
            "unit_cost_vnd",
            "medicine",
            "dose_units",
            "start_date",
            "end_date",
            "active",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An order saved without it (older forms, scripts) takes one unit per dose.
        self.fields["dose_units"].required = False

    def clean_dose_units(self):
        value = self.cleaned_data.get("dose_units")
        return 1 if value is None else value

    def clean_times(self):
        times = self.cleaned_data.get("times") or []
        return times_clean(times) if times else []

    def clean(self):
        data = super().clean()
        resident, facility = data.get("resident"), data.get("facility")
        if resident and facility and resident.facility_id != facility.id:
            self.add_error("resident", _("Đối tượng không thuộc trung tâm đã chọn."))
        medicine = data.get("medicine")
        if medicine and facility and medicine.facility_id != facility.id:
            self.add_error("medicine", _("Thuốc không thuộc danh mục của trung tâm đã chọn."))
        if data.get("dose_units") is not None and data["dose_units"] <= 0:
            self.add_error("dose_units", _("Số đơn vị mỗi liều phải lớn hơn 0."))
        if data.get("prn"):
            if not data.get("min_interval_minutes") or not data.get("max_per_24h"):
                raise forms.ValidationError(
                    _("Thuốc khi cần phải có khoảng cách tối thiểu và số lần tối đa trong 24 giờ.")
                )
        elif not data.get("times"):
            self.add_error(
                "times", _("Thuốc dùng theo giờ phải có giờ dùng (hoặc chọn «khi cần»).")
            )
        return data


@admin.register(MedicationOrder)
class MedicationOrderAdmin(SyncedAdmin):
    form = MedicationOrderForm
    horizon_on_save = True
    list_display = (
        "drug",
        "dose",
        "resident",
        "times",
        "prn",
        "controlled",
        "funding_source",
        "unit_cost_vnd",
        "active",
    )
    list_filter = ("facility", "prn", "controlled", "funding_source", "active")
    search_fields = ("drug", "resident__full_name")
    autocomplete_fields = ("resident",)
    list_select_related = ("resident",)


@admin.register(MedicationAdministration)
class MedicationAdministrationAdmin(ReadOnlyAdmin):
    list_display = ("order", "resident", "outcome", "dose", "at", "by", "witness")
    list_filter = ("facility", "outcome", "order__controlled")
    search_fields = ("resident__full_name", "order__drug")
    date_hierarchy = "at"
    list_select_related = ("order", "resident", "by", "witness")


admin_register_rest("meds")
