"""How many of the project's files one `med.administer` runs through on the server, from the
sync call that carries it to the delta on the duty manager's open dashboard.

The count is what a reader must open to follow one event end to end (docs/architecture.md,
"One event, phone to dashboard"); it may only go down. Run with `-s` to see the files."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from channels.db import database_sync_to_async
from django.utils import timezone

from tests.events import event
from tests.live.test_dashboard_doses import a_late_dose
from tests.live.test_dashboard_socket import open_dashboard, token_for

ROOT = Path(__file__).resolve().parents[2]
WATCHED = (ROOT / "server", ROOT / "sync")
# Lower it when the path gets shorter; never raise it to let a change through.
MOST_FILES = 25


def _tracer(seen: set[str]):
    def trace(frame, event_name, arg):
        if event_name == "call":
            seen.add(frame.f_code.co_filename)

    return trace


def _ours(files: set[str]) -> list[str]:
    paths = (Path(name) for name in files if name.endswith(".py"))
    return sorted(
        str(p.relative_to(ROOT)) for p in paths if any(p.is_relative_to(w) for w in WATCHED)
    )


async def test_one_dose_reaches_the_dashboard_through_few_files(transactional_db, make_api):
    now = timezone.now()
    centre, order, task = await a_late_dose(now)
    comm = await open_dashboard(
        centre.facility.id, await database_sync_to_async(token_for)("manager")
    )
    await comm.receive_json_from(timeout=3)
    await comm.receive_json_from(timeout=5)
    nurse = make_api()
    await database_sync_to_async(nurse.login)("nurse")
    args = {
        "administration_id": str(uuid.uuid4()),
        "order_id": order.id,
        "task_id": task.id,
        "outcome": "given",
        "reason": "đi khám về muộn",
    }
    seen: set[str] = set()

    def push():
        sys.setprofile(_tracer(seen))
        try:
            return nurse.sync([event("med.administer", args)])
        finally:
            sys.setprofile(None)

    sys.setprofile(_tracer(seen))
    try:
        response = await database_sync_to_async(push)()
        key = f"a:{args['administration_id']}"
        doses: dict = {}
        while key not in doses:
            delta = await comm.receive_json_from(timeout=5)
            doses = delta["sections"].get("doses", {}).get("set", {})
    finally:
        sys.setprofile(None)
    await comm.disconnect()
    assert response.json()["results"][0]["status"] == "applied", response.json()

    files = _ours(seen)
    print(f"\n{len(files)} files on the path of one med.administer:")
    print("\n".join(files))
    assert len(files) <= MOST_FILES, files
