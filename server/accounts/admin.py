"""Admin for staff, their roles per centre, and their phones."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from server.accounts.models import Device, DeviceToken, Membership, User
from server.accounts.services import AuthError
from server.accounts.throttle import client_address, login_check
from server.accounts.tokens import device_revoke
from sync.admin_scope import FacilityScopedAdmin, admin_facilities


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's login, behind the same throttle as the phones' (server.accounts.throttle):
    a blocked attempt is told to wait, even with the right password."""

    def clean(self):
        try:
            login_check(self.cleaned_data.get("username") or "", client_address(self.request))
        except AuthError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        return super().clean()


admin.site.login_form = ThrottledAdminAuthenticationForm


class MembershipInline(FacilityScopedAdmin, admin.TabularInline):
    model = Membership
    extra = 0
    fk_name = "user"
    fields = ("facility", "role", "areas", "active")
    filter_horizontal = ("areas",)


@admin.register(User)
class UserAdmin(FacilityScopedAdmin, BaseUserAdmin):
    list_display = ("username", "full_name", "is_active", "is_staff", "last_login")
    search_fields = ("username", "full_name", "email")
    list_filter = (
        "is_active",
        "is_staff",
        "is_superuser",
        "memberships__facility",
        "memberships__role",
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Thông tin"), {"fields": ("full_name", "email")}),
        (
            _("Quyền"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Thời gian"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")},
        ),
    )
    inlines = [MembershipInline]
    facility_path = "memberships__facility"
    # Only a superuser grants the superuser flag or Django permissions (they span centres).
    SUPERUSER_FIELDS = ("is_superuser", "groups", "user_permissions")

    def scope_queryset(self, request, queryset):
        """Staff see the people of their facilities; never a superuser, nor someone also
        active in a centre they do not manage (a password reset would open that centre)."""
        if request.user.is_superuser:
            return queryset
        mine = admin_facilities(request)
        active = Membership.objects.filter(active=True)
        return (
            queryset.filter(pk__in=active.filter(facility_id__in=mine).values("user_id"))
            .exclude(pk__in=active.exclude(facility_id__in=mine).values("user_id"))
            .exclude(is_superuser=True)
        )

    def check_facility(self, request, obj) -> None:
        pass  # a person has no facility of their own: scope_queryset and the inline hold it

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else fields + self.SUPERUSER_FIELDS


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "facility", "role", "areas", "active")

    def clean(self):
        data = super().clean()
        facility, areas = data.get("facility"), data.get("areas")
        if facility and areas:
            foreign = [a.name for a in areas if a.facility_id != facility.id]
            if foreign:
                # A carer covering another centre's ward would see its residents.
                raise forms.ValidationError(
                    _("Khu không thuộc trung tâm này: %(areas)s") % {"areas": ", ".join(foreign)}
                )
        return data


@admin.register(Membership)
class MembershipAdmin(FacilityScopedAdmin, admin.ModelAdmin):
    form = MembershipForm
    list_display = ("user", "facility", "role", "areas_list", "active")
    list_filter = ("facility", "role", "active")
    search_fields = ("user__username", "user__full_name")
    filter_horizontal = ("areas",)
    autocomplete_fields = ("user",)
    list_select_related = ("user", "facility")

    @admin.display(description=_("khu phụ trách"))
    def areas_list(self, obj: Membership) -> str:
        return ", ".join(a.name for a in obj.areas.all()) or str(_("toàn trung tâm"))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("areas")


@admin.action(description=_("Thu hồi thiết bị"))
def devices_revoke(modeladmin, request, queryset):
    count = 0
    for device in queryset.filter(revoked_at__isnull=True):
        device_revoke(device=device, by=request.user)
        count += 1
    modeladmin.message_user(
        request, _("Đã thu hồi %(count)s thiết bị.") % {"count": count}, messages.SUCCESS
    )


@admin.register(Device)
class DeviceAdmin(FacilityScopedAdmin, admin.ModelAdmin):
    list_display = (
        "name",
        "id",
        "facility",
        "registered_at",
        "last_seen_at",
        "app_version",
        "queued",
        "revoked_at",
        "revoked_by",
    )
    list_filter = ("facility", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "id")
    # Health is the phone's own report (server/accounts/services.py, `device_seen`): never typed here.
    HEALTH = ("last_seen_at", "last_user", "last_status", "app_version", "queued", "queued_since")
    readonly_fields = ("id", "registered_at", *HEALTH, "revoked_at", "revoked_by")
    fields = ("id", "name", "facility", "registered_at", *HEALTH, "revoked_at", "revoked_by")
    actions = [devices_revoke]

    def has_add_permission(self, request):
        return False  # a phone registers itself at its first login


@admin.register(DeviceToken)
class DeviceTokenAdmin(FacilityScopedAdmin, admin.ModelAdmin):
    """Audit only: who logged in on which phone. Revoke the device to end its tokens."""

    list_display = ("user", "device", "created_at", "last_used_at", "revoked_at")
    list_filter = ("device__facility",)
    search_fields = ("user__username", "device__name")
    fields = ("user", "device", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    list_select_related = ("user", "device")
    facility_path = "device__facility"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ScopedGroupAdmin(FacilityScopedAdmin, GroupAdmin):
    facility_path = None  # permission sets span every centre: superusers only


if admin.site.is_registered(Group):
    admin.site.unregister(Group)
admin.site.register(Group, ScopedGroupAdmin)
