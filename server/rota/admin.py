"""Admin for the rota: a manager plans who is on which shift, in which areas."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from server.accounts.models import Membership, Role
from server.rota.models import RotaEntry
from sync.admin_scope import FacilityScopedAdmin


def shift_names(facility) -> list[str]:
    """The facility's shift names, from the same setting the dashboard's shifts come from."""
    spec = facility.settings.get("dashboard_shifts") or settings.DASHBOARD_SHIFTS
    return [part.partition("=")[0].strip() for part in spec.split(",")]


class RotaEntryForm(forms.ModelForm):
    class Meta:
        model = RotaEntry
        fields = ("facility", "date", "shift", "user", "areas", "note")

    def clean(self):
        data = super().clean()
        facility, user, areas = data.get("facility"), data.get("user"), data.get("areas")
        if facility is None:
            return data
        names = shift_names(facility)
        if data.get("shift") and data["shift"] not in names:
            self.add_error(
                "shift",
                _("Trung tâm này chỉ có các ca: %(shifts)s.") % {"shifts": ", ".join(names)},
            )
        if (
            user
            and not Membership.objects.filter(
                user=user, facility=facility, role=Role.CARER, active=True
            ).exists()
        ):
            # The rota counts carers against the staffing norms; nobody else belongs on it.
            self.add_error("user", _("Người này không phải nhân viên chăm sóc của trung tâm."))
        foreign = [a.name for a in areas or () if a.facility_id != facility.id]
        if foreign:
            self.add_error(
                "areas",
                _("Khu không thuộc trung tâm này: %(areas)s") % {"areas": ", ".join(foreign)},
            )
        return data


@admin.register(RotaEntry)
class RotaEntryAdmin(FacilityScopedAdmin, admin.ModelAdmin):
    form = RotaEntryForm
    list_display = ("date", "shift", "user", "areas_list", "facility", "note")
    list_filter = ("facility", "shift", "date")
    search_fields = ("user__username", "user__full_name")
    date_hierarchy = "date"
    filter_horizontal = ("areas",)
    autocomplete_fields = ("user",)
    list_select_related = ("user", "facility")

    @admin.display(description="khu")
    def areas_list(self, obj: RotaEntry) -> str:
        return ", ".join(a.name for a in obj.areas.all()) or str(_("toàn trung tâm"))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("areas")
