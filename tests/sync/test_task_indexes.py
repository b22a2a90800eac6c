"""What a push writes costs PostgreSQL less: care_taskinstance keeps only the indexes a
read uses (server/care/models.py), a completion changes none of their columns and finds room
on its page, so it is a heap-only update with no entry in any index, and the reads still
find their indexes; the change log's pages keep room for the mark that supersedes a row; the
event log, a row per pushed event, keeps only the indexes a read uses."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from server.care.models import TaskInstance
from sync.models import EventLog
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's planner and catalogue"
)


def _indexed_columns(table: str) -> set[tuple[str, ...]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {tuple(c["columns"]) for c in constraints.values() if c["index"]}


def _explain(sql: str, params: tuple = ()) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _plan(queryset) -> str:
    return _explain(*queryset.query.sql_with_params())


def test_the_task_table_carries_only_the_indexes_its_reads_use(db):
    # Beside the primary key's (a constraint, not listed among the indexes):
    assert _indexed_columns(TaskInstance._meta.db_table) == {
        ("area_id",),
        ("resident_id",),
        ("facility_id", "local_date"),
        ("facility_id", "window_end"),
    }
    # The sweep's index holds the tasks it has not passed yet, by a column a completion
    # leaves alone (not the status); the pages keep room for a completed row's new version.
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'care_task_sweep_window'")
        assert "WHERE (NOT swept)" in cursor.fetchone()[0]
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'care_taskinstance'")
        assert cursor.fetchone()[0] == ["fillfactor=40"]


def test_a_pushed_completion_is_a_heap_only_update(db, centre, api):
    resident = ResidentFactory(area=centre.elderly)
    tasks = [TaskFactory(resident=resident, kind="custom", slot=f"0{i}:00") for i in range(8)]
    api.login("carer")
    counts = "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = %s"
    with connection.cursor() as cursor:
        cursor.execute(counts, [TaskInstance._meta.db_table])
        before = cursor.fetchone()
        events = [event("task.complete", {"task_id": t.id, "outcome": "done"}) for t in tasks]
        assert {r["status"] for r in api.sync(events).json()["results"]} == {"applied"}
        cursor.execute(counts, [TaskInstance._meta.db_table])
        updated, hot = (
            after - first for after, first in zip(cursor.fetchone(), before, strict=True)
        )
    assert TaskInstance.objects.filter(status="done").count() == 8
    assert (updated, hot) == (8, 8)


def test_the_hot_task_reads_stay_on_an_index(db, centre):
    now = timezone.now()
    facility = centre.facility
    reads = [
        # the sweep (server/care/sweep.py)
        TaskInstance.objects.filter(facility=facility, swept=False, window_end__lt=now).order_by(
            "window_end"
        ),
        # a day's tasks of a facility (the horizon)
        TaskInstance.objects.filter(facility=facility, local_date=now.date() - timedelta(days=1)),
        # the push's locked read: by id within the facility
        TaskInstance.objects.filter(id__in=[facility.id], facility=facility),
        # a meal of one area (task.complete_bulk)
        TaskInstance.objects.filter(area=centre.elderly, local_date=now.date()),
    ]
    for queryset in reads:
        plan = _plan(queryset)
        assert "Index" in plan and "Seq Scan" not in plan, plan
    assert "care_task_sweep_window" in _plan(reads[0])
    # the sweep's first look, every facility at once (server/care/sweep.py)
    every = TaskInstance.objects.filter(swept=False, window_end__lt=now)
    assert "care_task_sweep_window" in _plan(every.values("facility_id").distinct())


def test_the_boards_snapshot_reads_the_shifts_tasks_by_their_local_date(db, centre):
    # A board's snapshot on connect (server/live/dashboard/snapshot.py) reads the shift's
    # tasks: by the due time alone, the index gave only the facility, so the read walked
    # every task the centre has ever had.
    from django.test.utils import CaptureQueriesContext

    from server.live.dashboard.snapshot import dashboard_snapshot

    with CaptureQueriesContext(connection) as queries:
        dashboard_snapshot(facility_id=centre.facility.id, now=timezone.now())
    table = TaskInstance._meta.db_table
    reads = [q["sql"] for q in queries if f'FROM "{table}"' in q["sql"] and "due_at" in q["sql"]]
    assert reads, [q["sql"] for q in queries]
    plan = _explain(reads[0].replace("%", "%%"))
    assert "Index Cond" in plan and "local_date" in plan.split("Index Cond", 1)[1], plan


def test_the_change_log_leaves_room_for_its_superseded_mark(db):
    # sync/migrations/0004_change_fillfactor.py: the mark is a heap-only update when the
    # page has room, with no entry in the change log's three indexes.
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'sync_change'")
        assert cursor.fetchone()[0] == ["fillfactor=85"]


def test_the_event_log_carries_only_the_indexes_its_reads_use(db):
    # A push inserts a row per event (sync/models.py EventLog): beside the key, the
    # dashboard's authors by time, and the admin's quarantine filter, which holds no
    # applied event.
    table = EventLog._meta.db_table
    assert _indexed_columns(table) == {("facility_id", "received_at"), ("status",)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'sync_event_not_applied'")
        assert "WHERE (NOT ((status)::text = 'applied'::text))" in cursor.fetchone()[0]
    now = timezone.now()
    authors = EventLog.objects.filter(
        facility_id=uuid.uuid4(),
        received_at__gte=now,
        received_at__lt=now,
        status__in=["applied", "merged", "conflict"],
    )  # sync/event_log.py, event_authors
    assert "sync_eventl_facilit_957960_idx" in _plan(authors)
    assert "sync_event_not_applied" in _plan(EventLog.objects.filter(status="rejected"))
