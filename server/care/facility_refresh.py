"""After a deploy, phones receive each facility's settings and vocabulary as the new code makes
them.

A facility's change carries both (server/care/serializers.py, docs/protocol.md §11), and its
data is made when the change is written: a release that adds a code to a vocabulary, or a
default to a setting, would otherwise reach the phones only when someone next saved the
facility in the admin, and a phone would go on offering yesterday's choices. `migrate` runs
once per deploy, before any worker starts (deploy/README.md), so after it every facility whose
published data is not what today's code makes is published again; an unchanged one is not.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections

from server.care.models import Facility
from server.care.serializers import facility_data
from sync.service import log_exists, published_data, server_write
from sync.types import publish


def _as_stored(data: dict[str, Any]) -> Any:
    """The data as the change log gives it back (JSON: tuples become lists, dates text)."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def facilities_refresh() -> int:
    """Publish every facility whose phones hold other data than today's; how many were."""
    refreshed = 0
    for facility_id in Facility.objects.values_list("pk", flat=True):
        # The stream first, as every server write (sync.service.server_write): a save of the
        # facility in the admin meanwhile is either seen here or waits for this one.
        with server_write(facility_id):
            facility = Facility.objects.get(pk=facility_id)
            current = _as_stored(facility_data(facility))
            if published_data(facility_id, "facility", facility_id) == current:
                continue
            publish([facility])
            refreshed += 1
    return refreshed


def refresh_after_migrate(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_migrate of care: also sent after a test database's flush, and after a migrate
    back to before care's tables exist, when there is nothing to refresh."""
    if using != DEFAULT_DB_ALIAS:
        return
    tables = connections[using].introspection.table_names()
    if Facility._meta.db_table in tables and log_exists(tables):
        facilities_refresh()
