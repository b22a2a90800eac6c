"""The event log keeps the indexes a read uses (docs/performance.md, "Push on PostgreSQL's
side"): a push inserts a row per event, and every index of the table is an entry more.
(device_id, device_seq) had no reader; the status index holds the events that are not
`applied`, what the admin's filter looks for, so an applied event writes no entry in it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0004_change_fillfactor"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="eventlog",
            name="sync_eventl_device__277e91_idx",
        ),
        migrations.RemoveIndex(
            model_name="eventlog",
            name="sync_eventl_status_e9ba38_idx",
        ),
        migrations.AddIndex(
            model_name="eventlog",
            index=models.Index(
                condition=models.Q(("status", "applied"), _negated=True),
                fields=["status"],
                name="sync_event_not_applied",
            ),
        ),
    ]
