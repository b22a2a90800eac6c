"""Room on each page of the change log for one more version of its rows.

A push marks the earlier changes of every record it changes `superseded` (sync/changes.py,
`_supersede`): 500 rows for a push of 500 completions. The column is in no index, so the new
row version can stay on its page without an entry in any index (a heap-only update), but only
when the page has room; COPY fills pages to the brim. 85 % leaves room for that one update of
the rows a page holds. Pages written from now on; older ones keep their layout.
PostgreSQL only (SQLite has no such setting).
"""

from django.db import migrations


def _set(fillfactor: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE sync_change SET (fillfactor = {fillfactor})")

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0003_epoch"),
    ]

    operations = [migrations.RunPython(_set(85), _set(100))]
