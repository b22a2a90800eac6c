"""A completion becomes a heap-only update of its task (docs/performance.md, "Push: a
completion writes no index entry").

Before, the sweep's index held pending tasks only (`WHERE status = 'pending'`): a completion
changed a column of the index's predicate, so PostgreSQL wrote a new row version with an entry
in every index of the table. Now the sweep's index holds the tasks it has not yet seen past
their window (`swept` false), a column a completion leaves alone, and the table's pages keep
room for the new version. Fillfactor 40: a phone's push of 500 completes whole pages of one
day's tasks in one statement, and a completed row (~270 bytes with its header) is longer
than a pending one (~200): at 50 % about 70 % of a push's rows fit on their page, at 40 %
all of them (bench/push_cpu.py, pg_stat_user_tables). Completions spread over a day would
fit with less, as page pruning frees the versions they replaced; the table takes 2.5 times
the pages it would at 100 % (a centre of 100 residents: ~1,000 tasks, ~0.6 MB a day).

The invariant the sweep relies on, a pending task is never `swept`, is kept by the database
for every writer: a trigger clears `swept` whenever a row is written as pending (a voided
completion, a resident back from hospital, the admin). SQLite (the embedded default) gets the
same trigger in its own dialect; a later migration that makes Django rebuild the table on
SQLite drops it, and must create it again (tests/sync/test_sweep_swept.py fails without it).
Existing non-pending tasks start swept, pending ones not.
"""

from django.conf import settings
from django.db import migrations, models

_PG_FUNCTION = """
CREATE FUNCTION care_task_unswept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.swept := false;
    RETURN NEW;
END $$
"""
# WHEN is evaluated before the function is called: a completion (status done) calls nothing.
_PG_TRIGGER = """
CREATE TRIGGER care_task_unswept BEFORE INSERT OR UPDATE OF status, swept
ON care_taskinstance FOR EACH ROW
WHEN (NEW.status = 'pending' AND NEW.swept)
EXECUTE FUNCTION care_task_unswept()
"""
_SQLITE_TRIGGERS = [
    f"""
CREATE TRIGGER care_task_unswept_{op.split()[0].lower()} AFTER {op} ON care_taskinstance
FOR EACH ROW WHEN NEW.status = 'pending' AND NEW.swept
BEGIN UPDATE care_taskinstance SET swept = 0 WHERE id = NEW.id; END
"""
    for op in ("INSERT", "UPDATE OF status, swept")
]


def _install(apps, schema_editor):
    execute = schema_editor.execute
    execute("UPDATE care_taskinstance SET swept = TRUE WHERE status <> 'pending'")
    if schema_editor.connection.vendor == "postgresql":
        execute(_PG_FUNCTION)
        execute(_PG_TRIGGER)
        execute("ALTER TABLE care_taskinstance SET (fillfactor = 40)")
    else:
        for statement in _SQLITE_TRIGGERS:
            execute(statement)


def _uninstall(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute("ALTER TABLE care_taskinstance RESET (fillfactor)")
        execute("DROP TRIGGER care_task_unswept ON care_taskinstance")
        execute("DROP FUNCTION care_task_unswept()")
    else:
        for name in ("insert", "update"):
            execute(f"DROP TRIGGER care_task_unswept_{name}")


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0005_task_pending_index"),
        ("meds", "0005_order_medicine"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="taskinstance",
            name="swept",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(_install, _uninstall),
        migrations.RemoveIndex(
            model_name="taskinstance",
            name="care_task_pending_window",
        ),
        migrations.AddIndex(
            model_name="taskinstance",
            index=models.Index(
                condition=models.Q(("swept", False)),
                fields=["facility", "window_end"],
                name="care_task_sweep_window",
            ),
        ),
    ]
