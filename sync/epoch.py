"""The database epoch carried in every cursor (docs/protocol.md §5, "Epoch")."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from sync.models import Epoch

# Every sync call reads it: the SQL the ORM would write (quoted names), without compiling it.
_READ = f'SELECT "value", "restored_at" FROM "{Epoch._meta.db_table}" WHERE "id" = 1'


@dataclass(frozen=True)
class DatabaseEpoch:
    value: str
    # Set after deploy/restore: a cursor without an epoch may then be ahead of this change
    # log, so it is refused like one of another epoch.
    restored_at: datetime | None


def epoch_current() -> DatabaseEpoch:
    """Read on every call, never cached: one primary-key row, and a worker that outlived a
    restore must not keep accepting the old database's cursors."""
    with connection.cursor() as cursor:
        cursor.execute(_READ)
        row = cursor.fetchone()
    if row is None:
        # Only a database whose tables were emptied without migrating (a test's flush):
        # a fresh epoch, made once even when two calls race for it.
        Epoch.objects.bulk_create([Epoch(id=1, value=secrets.token_hex(3))], ignore_conflicts=True)
        row = Epoch.objects.filter(id=1).values_list("value", "restored_at").get()
    return DatabaseEpoch(*row)
