"""Admin edits of synced records reach the phones: publish on save and delete.

Django admin wraps each save and delete in a transaction (changeform_view, delete_view and
the delete action all run inside `transaction.atomic`), so publishing from save_model /
delete_model commits the row and its change together, as sync.types.publish requires.

Each of them first takes the change streams of the facilities it writes (`server_write`), as
a sync push does, before it reads or locks any row: an edit of a resident locks and rewrites
the tasks ahead of them, and a push locks the same tasks after the stream, so taking the
stream last (when publishing) could deadlock with a phone's push (docs/architecture.md,
"Traps the code works around").
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from uuid import UUID

from django.contrib import admin
from django.contrib.admin.utils import NestedObjects
from django.db import router
from django.db.models import Model

from server.care.models import Facility
from sync.admin_scope import FacilityScopedAdmin, ReadOnlyAdmin
from sync.service import server_write
from sync.types import is_synced, publish


def publish_known(label: str) -> bool:
    from django.apps import apps

    return is_synced(apps.get_model(label))


def publish_if_known(objects: Iterable[Model], *, op: str = "upsert") -> int:
    """Publish the objects of a synced type (server/<app>/sync.py); skip the others."""
    known = [o for o in objects if is_synced(type(o))]
    if known:
        publish(known, op=op)
    return len(known)


def facilities_of(objects: Iterable[Model]) -> list[UUID]:
    """The facilities whose rows an admin write of these objects touches."""
    found = {o.pk if isinstance(o, Facility) else getattr(o, "facility_id", None) for o in objects}
    return [f for f in found if f is not None]


def admin_write(objects: Iterable[Model]) -> AbstractContextManager[None]:
    """The transaction of an admin write: the facilities' streams first, then any row."""
    return server_write(*facilities_of(objects))


def cascade_of(objects: Iterable[Model]) -> list[Model]:
    """Everything a delete of `objects` takes with it (NestedObjects never fast-deletes, so
    cascaded tasks are listed one by one and each gets its own delete change)."""
    objects = list(objects)
    if not objects:
        return []
    collector = NestedObjects(using=router.db_for_write(type(objects[0])))
    collector.collect(objects)
    found: list[Model] = []
    for instances in collector.data.values():
        found.extend(instances)
    return found


class SyncedAdmin(FacilityScopedAdmin, admin.ModelAdmin):
    """ModelAdmin for a model phones hold: every save and delete is published.

    `horizon_on_save`: the care plan changed, so the facility's task horizon is rerun in the
    same transaction (new slots appear, withdrawn future slots are deleted on the phones).
    """

    horizon_on_save = False

    def save_model(self, request, obj, form, change):
        with admin_write([obj]):
            before = self.snapshot(obj) if change else None
            if change and hasattr(obj, "version"):
                obj.version += 1  # phones keep the higher version of a record
            super().save_model(request, obj, form, change)
            if before is not None:
                self.follow(request, obj, before)
            publish_if_known([obj])
            self.horizon_rerun(obj)

    def snapshot(self, obj: Model) -> dict | None:
        """What `follow` needs of the row as it was before this save (None: nothing)."""
        return None

    def follow(self, request, obj: Model, before: dict) -> None:
        """Consequences of an edit on other rows, before the horizon reruns."""

    def delete_model(self, request, obj):
        with admin_write([obj]):
            self.cascade_publish_delete([obj])
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        objects = list(queryset)
        with admin_write(objects):
            self.cascade_publish_delete(objects)
            super().delete_queryset(request, queryset)

    def cascade_publish_delete(self, objects: list[Model]) -> None:
        publish_if_known(cascade_of(objects), op="delete")

    def horizon_rerun(self, obj: Model) -> None:
        if not self.horizon_on_save:
            return
        from server.care.horizon import tasks_materialise

        facility = getattr(obj, "facility", None)
        if facility is not None:
            tasks_materialise(facility=facility)


def admin_register_rest(app_label: str) -> None:
    """Give every model of the app not registered above a plain read-only admin, so a model
    another engineer adds later is still visible in the admin (never silently missing)."""
    from django.apps import apps

    for model in apps.get_app_config(app_label).get_models():
        if admin.site.is_registered(model):
            continue
        names = [f.name for f in model._meta.concrete_fields if f.name not in ("id",)][:6]
        attrs = {"list_display": ["__str__", *names], "__module__": __name__}
        admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), attrs))
