"""The task worker: `manage.py run_jobs --once` and the `horizon` command."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from server.care import jobs
from server.care.models import TaskInstance
from tests.factories import ResidentFactory, RoutineFactory


def _lines(out: StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_it_registers_the_task_horizon_every_ten_minutes():
    horizon = {j.name: j for j in jobs.all_jobs()}["task_horizon"]
    assert horizon.every_seconds == 600


def test_it_runs_every_job_once_and_logs_a_json_line_each(centre):
    RoutineFactory(resident=ResidentFactory(area=centre.elderly), times=["11:00"])
    out = StringIO()
    call_command("run_jobs", "--once", stdout=out)
    records = {r["job"]: r for r in _lines(out)}
    assert set(records) == {j.name for j in jobs.all_jobs()}
    assert records["task_horizon"]["status"] == "ok"
    assert records["task_horizon"]["result"] == {"created": 3}
    assert TaskInstance.objects.count() == 3


def test_it_keeps_running_the_other_jobs_when_one_fails(centre, monkeypatch):
    def broken():
        raise RuntimeError("hỏng")

    registry = dict(jobs._JOBS)
    registry["aaa_broken"] = jobs.Job(
        "aaa_broken", 60, broken
    )  # sorted first: runs before the horizon
    monkeypatch.setattr(jobs, "_JOBS", registry)
    RoutineFactory(resident=ResidentFactory(area=centre.elderly), times=["11:00"])
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("run_jobs", "--once", stdout=out)
    assert exit_info.value.code == 1
    records = {r["job"]: r for r in _lines(out)}
    assert records["aaa_broken"]["status"] == "error"
    assert "RuntimeError: hỏng" in records["aaa_broken"]["error"]
    assert records["task_horizon"]["status"] == "ok"
    assert TaskInstance.objects.count() == 3


def test_it_runs_the_horizon_for_one_centre_from_the_command_line(centre):
    RoutineFactory(resident=ResidentFactory(area=centre.elderly), times=["11:00"])
    out = StringIO()
    call_command("horizon", "--facility", centre.facility.code, "--days", "2", stdout=out)
    assert "Đã tạo 2 việc mới" in out.getvalue()
