"""An admin edit takes the facility's change stream before any row, as a sync push does
(docs/architecture.md, "Traps the code works around"): the other order can deadlock with a
phone's push over the same tasks."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from server.accounts.models import User
from server.care.models import Resident, Routine, TaskInstance
from sync.models import Stream
from tests.api.test_admin import _resident_form, _tomorrow_tasks, _url
from tests.factories import ResidentFactory
from tests.servers import shared_database_url


def _boss() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("boss", "", "test-pass-123"))
    return client


def _first(statements: list[str], needle: str) -> int:
    return next(i for i, sql in enumerate(statements) if needle in sql)


def _first_hold(statements: list[str], table: str) -> int:
    """The first statement that writes or locks a row of the table."""
    return next(
        i
        for i, sql in enumerate(statements)
        if sql.startswith((f'UPDATE "{table}"', f'DELETE FROM "{table}"'))
        or (f'FROM "{table}"' in sql and "FOR UPDATE" in sql)
    )


def _statements(action) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        action()
    return [q["sql"] for q in captured.captured_queries]


def test_a_resident_sent_to_hospital_locks_the_stream_before_the_resident_and_tasks(centre):
    boss = _boss()
    resident = ResidentFactory(area=centre.elderly)
    _tomorrow_tasks(resident)
    form = _resident_form(resident, status="in_hospital", status_place="Bệnh viện tỉnh")
    sql = _statements(lambda: boss.post(_url(Resident, "change", resident.pk), form))
    stream = _first(sql, '"sync_stream"')
    assert stream < _first_hold(sql, "care_resident")
    assert stream < _first_hold(sql, "care_taskinstance")
    assert set(TaskInstance.objects.values_list("status", flat=True)) == {"away"}


def test_a_routine_deleted_locks_the_stream_before_the_routine(centre):
    boss = _boss()
    resident = ResidentFactory(area=centre.elderly)
    _tomorrow_tasks(resident)
    routine = Routine.objects.get(resident=resident)
    sql = _statements(lambda: boss.post(_url(Routine, "delete", routine.pk), {"post": "yes"}))
    assert _first(sql, '"sync_stream"') < _first_hold(sql, "care_routine")
    assert not Routine.objects.filter(pk=routine.pk).exists()


@pytest.mark.postgres
def test_an_admin_edit_waiting_for_a_push_holds_no_task_of_it(transactional_db, centre):
    """A push holds the stream and will next lock the resident's tasks: the admin edit that
    waits for the stream must not already hold them (that is the deadlock)."""
    resident = ResidentFactory(area=centre.elderly)
    _tomorrow_tasks(resident)
    boss = _boss()
    Stream.objects.get_or_create(facility_id=centre.facility.id)
    form = _resident_form(resident, status="in_hospital", status_place="Bệnh viện tỉnh")
    answers: list[int] = []

    def edit() -> None:
        try:
            answers.append(boss.post(_url(Resident, "change", resident.pk), form).status_code)
        finally:
            connections.close_all()

    url = shared_database_url()
    with psycopg.connect(url) as push, psycopg.connect(url, autocommit=True) as watch:
        push.execute(
            "SELECT 1 FROM sync_stream WHERE facility_id = %s FOR UPDATE", [centre.facility.id]
        )
        admin = threading.Thread(target=edit)
        admin.start()
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                waiting = watch.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                ).fetchone()
                if waiting and waiting[0]:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the admin edit never waited for the stream")
            # The push's next step: its tasks, without waiting. Before the fix the admin edit had
            # locked them already and this raised LockNotAvailable.
            locked = push.execute(
                "SELECT id FROM care_taskinstance WHERE resident_id = %s FOR UPDATE NOWAIT",
                [resident.id],
            ).fetchall()
            assert len(locked) == TaskInstance.objects.filter(resident=resident).count() > 0
        finally:
            push.rollback()  # the admin edit goes on
            admin.join(timeout=20)
    assert answers == [302]
    assert set(TaskInstance.objects.values_list("status", flat=True)) == {"away"}
