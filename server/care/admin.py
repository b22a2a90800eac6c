"""Admin for centres, areas, residents, the care plan, and (read-only) what phones recorded."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from server.care.admin_sync import (
    ReadOnlyAdmin,
    SyncedAdmin,
    admin_register_rest,
    admin_write,
    publish_if_known,
)
from server.care.models import (
    Area,
    Facility,
    Note,
    Resident,
    ResidentCategory,
    ResidentTransfer,
    Routine,
    TaskInstance,
)
from server.care.resident_rules import task_status_on_move

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def times_clean(value) -> list[str]:
    """The admin's JSON list of 'HH:MM' times, checked: a typo must not silently drop a meal."""
    if not isinstance(value, list) or not all(isinstance(t, str) and HHMM.match(t) for t in value):
        raise forms.ValidationError(
            _('Giờ phải là danh sách dạng ["06:30", "11:00"] (giờ:phút, 24 giờ).')
        )
    return sorted(set(value))


def weekdays_clean(value) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in value):
        raise forms.ValidationError(
            _("Thứ trong tuần là danh sách số từ 0 (thứ Hai) đến 6 (Chủ nhật).")
        )
    return sorted(set(value))


@admin.register(Facility)
class FacilityAdmin(SyncedAdmin):
    list_display = ("name", "code", "province", "report_recipient")
    search_fields = ("name", "code", "province")
    facility_path = "pk"

    def has_add_permission(self, request):
        # A new centre belongs to nobody yet: only a superuser creates one.
        return request.user.is_superuser and super().has_add_permission(request)


@admin.register(Area)
class AreaAdmin(SyncedAdmin):
    list_display = ("name", "code", "facility", "kind")
    list_filter = ("facility", "kind")
    search_fields = ("name", "code")
    list_select_related = ("facility",)


class ResidentForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("diện đối tượng"),
        choices=ResidentCategory.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Resident
        fields = (
            "facility",
            "area",
            "full_name",
            "sex",
            "birth_date",
            "birth_date_estimated",
            "room",
            "categories",
            "primary_category",
            "severe_disability",
            "status",
            "status_place",
            "diet_note",
            "admitted_on",
            "admission_source",
        )

    def clean(self):
        data = super().clean()
        area, facility = data.get("area"), data.get("facility")
        if area and facility and area.facility_id != facility.id:
            self.add_error("area", _("Khu này không thuộc trung tâm đã chọn."))
        elif area and area.kind != Area.Kind.CARE:
            # Kitchen staff see who lives in their area: a resident there would leak to them.
            self.add_error("area", _("Đối tượng chỉ được xếp vào khu nuôi dưỡng."))
        primary, categories = data.get("primary_category"), data.get("categories") or []
        if primary and primary not in categories:
            data["categories"] = [*categories, primary]  # the primary is always one of them
        return data


@admin.register(Resident)
class ResidentAdmin(SyncedAdmin):
    form = ResidentForm
    horizon_on_save = True
    list_display = (
        "full_name",
        "facility",
        "area",
        "room",
        "primary_category",
        "severe_disability",
        "status",
    )
    list_filter = ("facility", "area", "primary_category", "severe_disability", "status")
    search_fields = ("full_name", "room")
    list_select_related = ("facility", "area")

    def snapshot(self, obj):
        return (
            Resident.objects.select_for_update()
            .filter(pk=obj.pk)
            .values("status", "area_id")
            .first()
        )

    def follow(self, request, obj, before):
        resident_tasks_follow(
            obj, before_status=before["status"], before_area=before["area_id"], by=request.user
        )


def resident_tasks_follow(resident: Resident, *, before_status: str, before_area, by) -> None:
    """An admin edit of status or area does what `resident.transfer` does from a phone: the
    move is recorded, and the tasks still ahead follow it (away, not applicable, pending
    again; the new area's carers get them), by the same rule."""
    now = timezone.now()
    changed: list[TaskInstance] = []
    if before_status != resident.status:
        ResidentTransfer.objects.create(
            facility_id=resident.facility_id,
            resident=resident,
            status=resident.status,
            previous_status=before_status,
            place=resident.status_place,
            reason="Sửa trong trang quản trị",
            by=by,
            at=now,
        )
        for task in TaskInstance.objects.select_for_update().filter(
            resident=resident, due_at__gte=now
        ):
            new = task_status_on_move(
                task_status=task.status,
                set_by_person=task.done_event is not None,
                new_status=resident.status,
            )
            if new is not None:
                task.status = new
                changed.append(task)
    if before_area != resident.area_id:
        open_tasks = TaskInstance.objects.select_for_update().filter(
            resident=resident, status__in=["pending", "away"]
        )
        known = {t.id: t for t in changed}
        for task in open_tasks:
            task = known.get(task.id, task)
            task.area_id = resident.area_id
            if task.id not in known:
                changed.append(task)
    for task in changed:
        task.version += 1
        task.save(update_fields=["status", "area", "version"])
    publish_if_known(changed)


class RoutineForm(forms.ModelForm):
    class Meta:
        model = Routine
        fields = (
            "facility",
            "kind",
            "title",
            "resident",
            "area",
            "times",
            "weekdays",
            "window_before_minutes",
            "window_after_minutes",
            "details",
            "active",
        )

    def clean_times(self):
        return times_clean(self.cleaned_data.get("times"))

    def clean_weekdays(self):
        return weekdays_clean(self.cleaned_data.get("weekdays"))

    def clean(self):
        data = super().clean()
        resident, area, facility = data.get("resident"), data.get("area"), data.get("facility")
        if bool(resident) == bool(area):
            raise forms.ValidationError(_("Chọn đúng một đối tượng HOẶC một khu cho việc này."))
        subject = resident or area
        if facility and subject and subject.facility_id != facility.id:
            raise forms.ValidationError(_("Đối tượng / khu không thuộc trung tâm đã chọn."))
        return data


@admin.register(Routine)
class RoutineAdmin(SyncedAdmin):
    form = RoutineForm
    horizon_on_save = True
    list_display = ("title", "kind", "facility", "resident", "area", "times", "active")
    list_filter = ("facility", "kind", "active", "area")
    search_fields = ("title", "resident__full_name")
    autocomplete_fields = ("resident",)
    list_select_related = ("facility", "resident", "area")

    def delete_model(self, request, obj):
        # Deleting a plan line first withdraws its not-yet-started tasks from the phones.
        with admin_write([obj]):
            obj.active = False
            obj.save(update_fields=["active"])
            self.horizon_rerun(obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        routines = list(queryset)
        with admin_write(routines):
            for routine in routines:
                self.delete_model(request, routine)


@admin.register(TaskInstance)
class TaskInstanceAdmin(ReadOnlyAdmin):
    """Tasks come from the plan (the horizon); their outcomes come from the phones."""

    list_display = (
        "title",
        "kind",
        "resident",
        "area",
        "local_date",
        "slot",
        "status",
        "done_by",
        "done_at",
    )
    list_filter = ("facility", "kind", "status", "local_date", "area")
    search_fields = ("title", "resident__full_name")
    date_hierarchy = "local_date"
    list_select_related = ("resident", "area", "done_by")


@admin.register(Note)
class NoteAdmin(ReadOnlyAdmin):
    list_display = ("kind", "text", "resident", "area", "by", "at", "void")
    list_filter = ("facility", "kind", "void")
    search_fields = ("text", "resident__full_name")
    list_select_related = ("resident", "area", "by")


@admin.register(ResidentTransfer)
class ResidentTransferAdmin(ReadOnlyAdmin):
    list_display = ("resident", "previous_status", "status", "place", "by", "at")
    list_filter = ("facility", "status")
    search_fields = ("resident__full_name", "place")
    list_select_related = ("resident", "by")


admin_register_rest("care")
