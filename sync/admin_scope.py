"""One facility scope for every admin page: a staff user who is not a superuser sees, picks
and saves only rows of the facilities they manage.

Every ModelAdmin (and inline) of the project derives from FacilityScopedAdmin; a test walks
the admin registry so a new one cannot forget it. For a non-superuser:
- the changelist, change, delete and history pages read `get_queryset`, filtered through
  `facility_path` (a lookup from the model to its facility id; found by itself for a
  `facility` foreign key or a `facility_id` column). A model with no path is for
  superusers only;
- every foreign-key and many-to-many choice (selects, autocompletes) is the related
  model's admin queryset, so a row cannot be pointed at another facility's area or
  resident, and list filters offer only values present in the scoped rows;
- saving a row whose facility is not one of theirs is refused (403), whatever the form.

"The facilities they manage" are those where they hold an active manager or admin role
(`registry.permits(user, facility, "admin.manage")`): the domain decides, as for every
other engine-level permission, so this module imports nothing of the server.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from sync import registry

AUTO = "auto"


def admin_facilities(request) -> frozenset[UUID]:
    """The facilities this staff user manages (read once per request)."""
    cached = getattr(request, "_admin_facilities", None)
    if cached is None:
        user = request.user
        cached = frozenset(
            f
            for f in registry.scope_for(user).facility_ids()
            if registry.permits(user, f, "admin.manage")
        )
        request._admin_facilities = cached
    return cached


def facility_lookup(model: type[Model], declared: str | None = AUTO) -> str | None:
    if declared != AUTO:
        return declared
    names = {f.name for f in model._meta.concrete_fields}
    for name in ("facility", "facility_id"):
        if name in names:
            return name
    return None


class FacilityScopedAdmin(admin.options.BaseModelAdmin):
    facility_path: str | None = AUTO

    def facility_lookup(self) -> str | None:
        return facility_lookup(self.model, self.facility_path)

    def scope_queryset(self, request, queryset: QuerySet) -> QuerySet:
        if request.user.is_superuser:
            return queryset
        lookup = self.facility_lookup()
        if lookup is None:
            return queryset.none()
        return queryset.filter(**{f"{lookup}__in": admin_facilities(request)})

    def facility_of(self, obj: Model) -> Any:
        """The facility id of a (possibly unsaved) row, through `facility_lookup`."""
        lookup = self.facility_lookup()
        if lookup is None:
            return None
        *hops, last = lookup.split("__")
        target: Any = obj
        for hop in hops:
            target = getattr(target, hop, None)
            if target is None:
                return None
        if last == "pk":
            return target.pk
        return getattr(target, target._meta.get_field(last).attname)

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))  # type: ignore[misc]

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        if request.user.is_superuser:
            return queryset
        related = db_field.remote_field.model
        if queryset is None:
            queryset = related._default_manager.using(db)
        related_admin = self.admin_site._registry.get(related)
        if isinstance(related_admin, FacilityScopedAdmin):
            return related_admin.scope_queryset(request, queryset)
        lookup = facility_lookup(related)
        if lookup is None:
            return queryset.none()
        return queryset.filter(**{f"{lookup}__in": admin_facilities(request)})

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return filters
        return [self._related_only(f) for f in filters]

    def _related_only(self, spec):
        # A plain related filter lists every row of the related table (other centres' areas
        # and staff); RelatedOnly lists those the scoped rows point at.
        if not isinstance(spec, str):
            return spec
        try:
            field = get_fields_from_path(self.model, spec)[-1]
        except (FieldDoesNotExist, AttributeError):
            return spec
        return (spec, admin.RelatedOnlyFieldListFilter) if field.is_relation else spec

    def _superuser_only(self, request) -> bool:
        return not request.user.is_superuser and self.facility_lookup() is None

    def has_view_permission(self, request, obj=None):
        return not self._superuser_only(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return not self._superuser_only(request) and super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_change_permission(self, request, obj=None):
        return not self._superuser_only(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._superuser_only(request) and super().has_delete_permission(request, obj)

    def check_facility(self, request, obj: Model) -> None:
        """Refuse to save a row outside the staff user's facilities (the form's choices
        already prevent it; this holds whatever a form or an action does)."""
        if request.user.is_superuser or self.facility_lookup() is None:
            return
        if self.facility_of(obj) not in admin_facilities(request):
            raise PermissionDenied(_("Bản ghi này không thuộc trung tâm của bạn."))

    def save_model(self, request, obj, form, change):
        self.check_facility(request, obj)
        super().save_model(request, obj, form, change)  # type: ignore[misc]

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            instance = inline_form.instance
            if inline_form.has_changed() and isinstance(
                self.admin_site._registry.get(type(instance)), FacilityScopedAdmin
            ):
                self.admin_site._registry[type(instance)].check_facility(request, instance)
        super().save_formset(request, form, formset, change)  # type: ignore[misc]


class ReadOnlyAdmin(FacilityScopedAdmin, admin.ModelAdmin):
    """Records that only phones (through the sync rules) or the server write: look, don't touch.

    Editing them here would bypass the merge rules and the audit trail."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
