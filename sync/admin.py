"""Read-only admin for the sync engine's logs: for looking into what a phone sent.

Conflicts are resolved through the API (a resolution is itself an event, recorded and
synced), never by editing the row here.
"""

from __future__ import annotations

from django.contrib import admin

from sync.admin_scope import ReadOnlyAdmin
from sync.changes import CHANGE_COLUMNS
from sync.models import Change, Conflict, EventLog


@admin.register(EventLog)
class EventLogAdmin(ReadOnlyAdmin):
    list_display = ("name", "status", "code", "device_id", "device_seq", "at", "received_at")
    list_filter = ("status", "name", "code")
    search_fields = ("id", "device_id", "user_id", "code")
    date_hierarchy = "received_at"


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin):
    # The columns the log is written with (sync/changes.py), less the payload and its routing,
    # which are read on the row itself.
    list_display = tuple(
        c for c in CHANGE_COLUMNS if c not in ("data", "area_id", "origin_device", "origin_user")
    )
    list_filter = ("type", "op", "superseded")
    search_fields = ("record_id", "facility_id")


@admin.register(Conflict)
class ConflictAdmin(ReadOnlyAdmin):
    list_display = (
        "kind",
        "severity",
        "status",
        "subject_type",
        "message",
        "opened_at",
        "resolved_at",
    )
    list_filter = ("status", "severity", "kind")
    search_fields = ("message", "subject_id")
    date_hierarchy = "opened_at"


def _register_rest() -> None:
    # Any other sync model (the stream counters, ones added later) gets a plain read-only view.
    from django.apps import apps

    for model in apps.get_app_config("sync").get_models():
        if not admin.site.is_registered(model):
            admin.site.register(
                model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"__module__": __name__})
            )


_register_rest()
