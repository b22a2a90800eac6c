"""deploy/backup's nightly run: a copy off the machine (an rclone remote), retention on the
local disk, the log line when no target is set; deploy/backup-schedule runs it at BACKUP_AT;
and compose schedules it as systemd does. The restore drill from the off-machine copy ends
with the same data (cursors after a restore: test_backup_restore.py)."""

from __future__ import annotations

import os
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests import servers
from tests.deploy.stack_process import database_drop, debian_package_ensure

ROOT = Path(__file__).resolve().parents[2]


def _run(script: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "deploy" / script)],
        env={
            **os.environ,
            "DATABASE_URL": servers.shared_database_url(),
            "BACKUP_DIR": str(tmp_path / "local"),
            "BACKUP_RCLONE_REMOTE": "",
            "BACKUP_S3_URL": "",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


def _psql(url: str, sql: str) -> str:
    return subprocess.run(
        ["psql", url, "-tAc", sql], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_nightly_backup_goes_off_the_machine_and_restores_from_there(centre, tmp_path):
    assert debian_package_ensure("rclone", "rclone"), "rclone is missing and cannot be installed"
    local = tmp_path / "local"
    local.mkdir()
    old = local / "catruc-20000101-023000.dump"
    old.write_bytes(b"old")
    stale = time.time() - 20 * 86400
    os.utime(old, (stale, stale))
    # An rclone remote defined only by environment variables, as an S3 one would be.
    result = _run(
        "backup",
        tmp_path,
        RCLONE_CONFIG_OFFSITE_TYPE="local",
        BACKUP_RCLONE_REMOTE=f"offsite:{tmp_path / 'offsite' / 'bac-lieu'}",
    )
    assert result.returncode == 0, result.stderr
    dumps = sorted(local.glob("catruc-*.dump"))
    assert len(dumps) == 1 and dumps[0] != old, "the 20-day-old dump is pruned, today's kept"
    copy = tmp_path / "offsite" / "bac-lieu" / dumps[0].name
    assert copy.read_bytes() == dumps[0].read_bytes()
    assert "copied off the machine" in result.stdout and "removed old" in result.stdout
    assert oct(dumps[0].stat().st_mode & 0o777) == "0o600"  # residents' records

    fresh = servers.shared_database_url().rsplit("/", 1)[0] + "/catruc_deploy_offsite"
    database_drop(fresh)
    try:
        restore = subprocess.run(
            [str(ROOT / "deploy" / "restore"), str(copy)],
            env={**os.environ, "DATABASE_URL": fresh},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert restore.returncode == 0, restore.stderr
        query = "SELECT string_agg(name, ',' ORDER BY name) FROM care_facility"
        assert _psql(fresh, query) == _psql(servers.shared_database_url(), query)
        assert centre.facility.name in _psql(fresh, query)
    finally:
        database_drop(fresh)


@pytest.mark.postgres
def test_a_failed_copy_fails_the_run_and_keeps_the_local_dump(db, tmp_path):
    assert debian_package_ensure("rclone", "rclone")
    result = _run("backup", tmp_path, BACKUP_RCLONE_REMOTE="nosuchremote:catruc")
    assert result.returncode != 0
    assert len(list((tmp_path / "local").glob("catruc-*.dump"))) == 1


@pytest.mark.postgres
def test_it_says_the_dump_stays_on_this_disk_when_no_target_is_set(db, tmp_path):
    result = _run("backup", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "off-machine copy skipped" in result.stdout


@pytest.mark.postgres
def test_the_schedule_runs_the_backup_at_backup_at(db, tmp_path):
    at = (datetime.now() + timedelta(seconds=3)).strftime("%H:%M:%S")
    if at < datetime.now().strftime("%H:%M:%S"):
        pytest.skip("too close to midnight")
    proc = subprocess.Popen(
        [str(ROOT / "deploy" / "backup-schedule")],
        env={
            **os.environ,
            "DATABASE_URL": servers.shared_database_url(),
            "BACKUP_DIR": str(tmp_path / "local"),
            "BACKUP_AT": at,
            "BACKUP_RCLONE_REMOTE": "",
            "BACKUP_S3_URL": "",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(10)
    assert lines[0].startswith("backup-schedule: next backup at ")
    assert any(line.startswith("backup: ") and ".dump" in line for line in lines), lines
    assert "next backup at" in lines[-1]  # and it waits for tomorrow's
    assert len(list((tmp_path / "local").glob("catruc-*.dump"))) == 1


def test_backups_are_scheduled_under_compose_and_systemd():
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    backup = compose["services"]["backup"]
    assert backup["command"] == ["deploy/backup-schedule"]
    assert "backups:/srv/catruc/var/backups" in backup["volumes"]
    assert backup["env_file"] == ".env" and "DATABASE_URL" in backup["environment"]
    assert "backups" in compose["volumes"]
    timer = (ROOT / "deploy" / "systemd" / "catruc-backup.timer").read_text()
    assert "OnCalendar=*-*-* 02:30:00" in timer
    unit = (ROOT / "deploy" / "systemd" / "catruc-backup.service").read_text()
    assert "ExecStart=/srv/catruc/deploy/backup\n" in unit  # no argument: the nightly run
