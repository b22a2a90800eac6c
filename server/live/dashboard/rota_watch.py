"""A rota edit (admin, seed) reaches the open dashboards of its facility.

The rota is read when a snapshot is built; an edit during a shift asks every dashboard of
the facility for a fresh one, after the commit (a rota changes a few times a day, so a full
snapshot is cheaper to keep right than a rota fact in every projection). A lost message
leaves the board on the old rota until its next snapshot, as with any fact.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from server.live import groups
from server.rota.models import RotaEntry

log = logging.getLogger("catruc.live")


def _refresh(facility_id: Any) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(groups.dashboard(facility_id), {"type": "dashboard.rota"})
    except Exception:
        log.warning("dashboard rota refresh for %s failed", facility_id, exc_info=True)


def rota_changed(sender, instance: Any, **kwargs: Any) -> None:
    if not kwargs.get("action", "post_").startswith("post_"):
        return  # an areas change signals before and after: once is enough
    facility_id = instance.facility_id  # an entry, or an area whose entries changed
    transaction.on_commit(lambda: _refresh(facility_id))


def rota_watch() -> None:
    post_save.connect(rota_changed, sender=RotaEntry, dispatch_uid="dashboard-rota-save")
    post_delete.connect(rota_changed, sender=RotaEntry, dispatch_uid="dashboard-rota-delete")
    m2m_changed.connect(
        rota_changed, sender=RotaEntry.areas.through, dispatch_uid="dashboard-rota-areas"
    )
