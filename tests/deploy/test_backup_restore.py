"""deploy/backup + deploy/restore: a phone pulling from scratch gets the same records from
the restored database as it got before the backup; a phone whose cursor counted the old
change log is told to start over (the database epoch, docs/protocol.md §5) and converges."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from sync.protocol import Cursor
from tests import servers
from tests.deploy.stack_process import database_drop
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.postgres


def _pull_all(post) -> tuple[list[dict], str]:
    """Every change from a null cursor, page after page."""
    changes: list[dict] = []
    cursor = None
    while True:
        body = post(cursor)
        changes += body["changes"]
        cursor = body["cursor"]
        if not body["more"]:
            return changes, cursor


def _script(name: str, *args: str, database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "deploy" / name), *args],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db(transaction=True)
def test_it_syncs_the_same_changes_from_a_restored_database(centre, api, make_api, tmp_path):
    task, after_dump, after_restore = (
        TaskFactory(resident=ResidentFactory(area=centre.elderly)) for _ in range(3)
    )
    carer = make_api()
    carer.login("carer")
    pushed = carer.sync(
        [
            event(
                "task.complete",
                {"task_id": task.id, "outcome": "done", "details": {"portion": 100}},
            ),
            event(
                "note.add",
                {
                    "note_id": uuid.uuid4(),
                    "kind": "handover",
                    "text": "Bàn giao ca",
                    "facility_id": centre.facility.id,
                },
            ),
        ]
    ).json()
    assert [r["status"] for r in pushed["results"]] == ["applied", "applied"], pushed
    api.login("manager")

    def post_here(cursor):
        return api.post(
            "/api/sync/v1",
            {"protocol": 1, "device_id": api.device_id, "cursor": cursor, "events": []},
        )

    def pull_here(cursor):
        return post_here(cursor).json()

    before, before_cursor = _pull_all(pull_here)
    assert {c["type"] for c in before} >= {"task", "note"}

    dump = tmp_path / "catruc.dump"
    backup = _script("backup", str(dump), database_url=servers.shared_database_url())
    assert backup.returncode == 0, backup.stderr
    # Life goes on after the dump: the manager's phone pulls a change the dump lacks, so its
    # cursor is ahead of the database that will be restored.
    tick = {"outcome": "done", "details": {"portion": 100}}
    assert (
        carer.sync([event("task.complete", {"task_id": after_dump.id, **tick})]).json()["results"][
            0
        ]["status"]
        == "applied"
    )
    ahead = pull_here(before_cursor)
    assert [c["id"] for c in ahead["changes"] if c["type"] == "task"] == [str(after_dump.id)]
    fresh = servers.shared_database_url().rsplit("/", 1)[0] + "/catruc_deploy_restored"
    database_drop(fresh)
    try:
        restore = _script("restore", str(dump), database_url=fresh)
        assert restore.returncode == 0, restore.stderr
        again = _script("restore", str(dump), database_url=fresh)
        assert again.returncode == 3, "restoring over data needs --clean"
        server = servers.ServerProcess(env={"DATABASE_URL": fresh}).start()
        try:
            # The same phone, with the token it had before the backup.
            headers = {"Authorization": f"Bearer {api.token}"}

            def post_restored(cursor):
                body = {"protocol": 1, "device_id": api.device_id, "cursor": cursor, "events": []}
                return httpx.post(server.url + "/api/sync/v1", json=body, headers=headers)

            def pull_restored(cursor):
                response = post_restored(cursor)
                assert response.status_code == 200, response.text
                return response.json()

            # The phone's cursor counted changes the restored log does not have: whether it
            # carries the old epoch or none (a phone of the build before the epoch), it is
            # told to start over, before anything is decided.
            facilities = [str(centre.facility.id)]
            old = Cursor.decode(ahead["cursor"], facilities)
            assert old.epoch, ahead["cursor"]
            for stale in (ahead["cursor"], old.model_copy(update={"epoch": ""}).encode(facilities)):
                refused = post_restored(stale)
                assert (refused.status_code, refused.json()["code"]) == (409, "reset_required")
            after, restored_cursor = _pull_all(pull_restored)
            assert Cursor.decode(restored_cursor, facilities).epoch != old.epoch
            # A change written after the restore reaches the phone whose cursor was ahead.
            carer_body = {
                "protocol": 1,
                "device_id": carer.device_id,
                "cursor": None,
                "events": [event("task.complete", {"task_id": after_restore.id, **tick})],
            }
            pushed = httpx.post(
                server.url + "/api/sync/v1",
                json=carer_body,
                headers={"Authorization": f"Bearer {carer.token}"},
            ).json()
            assert pushed["results"][0]["status"] == "applied", pushed
            caught_up = pull_restored(restored_cursor)
        finally:
            server.stop()
    finally:
        database_drop(fresh)
    assert after == before
    # A cursor of the restored database is another database's to the original one.
    elsewhere = post_here(restored_cursor)
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (409, "reset_required")
    assert str(after_restore.id) in [c["id"] for c in caught_up["changes"] if c["type"] == "task"]
