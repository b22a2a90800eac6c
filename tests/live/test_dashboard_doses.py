"""Doses on the duty manager's dashboard: a dose given late reaches an open dashboard as a
delta and a new one in its snapshot, and the snapshot reads a shift of doses in a fixed
number of queries however many there are."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from server.care.models import Facility, TaskInstance
from server.live.dashboard.snapshot import dashboard_snapshot
from server.meds.models import MedicationAdministration, MedicationOrder, MedicationVoid
from tests.events import event
from tests.factories import MedicationOrderFactory, ResidentFactory, TaskFactory
from tests.live.test_dashboard_socket import open_dashboard, token_for
from tests.personas import Centre, make_centre


def shift_around(facility: Facility, now: datetime) -> None:
    """A shift that began four hours ago, whatever the time of the test run."""
    local = timezone.localtime(now)
    starts = [(local - timedelta(hours=4)), (local + timedelta(hours=8))]
    facility.settings = {
        "dashboard_shifts": ",".join(f"s{i}={t:%H:%M}" for i, t in enumerate(starts))
    }
    facility.save(update_fields=["settings"])


def overdue_dose(centre: Centre, order: MedicationOrder, now: datetime) -> TaskInstance:
    """A dose due three hours ago whose window closed two hours ago."""
    return TaskFactory(
        resident=order.resident,
        kind="medication",
        order=order,
        title=f"{order.drug} {uuid.uuid4().hex[:4]}",
        due_at=now - timedelta(hours=3),
        window_start=now - timedelta(hours=4),
        window_end=now - timedelta(hours=2),
    )


async def a_late_dose(now: datetime) -> tuple[Centre, MedicationOrder, TaskInstance]:
    """A centre on shift, a resident with an order, and a dose of it overdue."""
    centre = await database_sync_to_async(make_centre)()
    await database_sync_to_async(shift_around)(centre.facility, now)
    order = await database_sync_to_async(MedicationOrderFactory)(
        resident=await database_sync_to_async(ResidentFactory)(area=centre.elderly)
    )
    return centre, order, await database_sync_to_async(overdue_dose)(centre, order, now)


def given(centre: Centre, task: TaskInstance, at: datetime) -> MedicationAdministration:
    return MedicationAdministration.objects.create(
        id=uuid.uuid4(),
        facility=centre.facility,
        order=task.order,
        task=task,
        resident=task.resident,
        outcome="given",
        at=at,
        by=centre.nurse,
        reason="đi khám về muộn",
    )


def late_doses(sections: dict) -> dict:
    return {k: v for k, v in sections["doses"].items() if v["state"] == "late"}


@pytest.mark.django_db
def test_it_reads_a_shift_of_doses_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    centre = make_centre()
    now = timezone.now()
    shift_around(centre.facility, now)
    order = MedicationOrderFactory(resident=ResidentFactory(area=centre.elderly))

    def doses(n: int) -> None:
        for _ in range(n):
            given(centre, overdue_dose(centre, order, now), now)

    doses(2)
    voided = given(centre, overdue_dose(centre, order, now), now)
    MedicationVoid.objects.create(
        facility=centre.facility, administration=voided, reason="ghi nhầm", by=centre.nurse, at=now
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        projection = dashboard_snapshot(facility_id=centre.facility.id, now=now)
    # The voided dose is not late on the board; the two others are.
    assert f"a:{voided.id}" not in projection.sections["doses"]
    assert len(late_doses(projection.sections)) == 2

    doses(18)
    with django_assert_max_num_queries(len(few)):
        projection = dashboard_snapshot(facility_id=centre.facility.id, now=now)
    assert len(late_doses(projection.sections)) == 20


async def test_it_shows_a_dose_given_late_live_and_in_the_next_snapshot(transactional_db, make_api):
    now = timezone.now()
    centre, order, task = await a_late_dose(now)
    token = await database_sync_to_async(token_for)("manager")
    comm = await open_dashboard(centre.facility.id, token)
    await comm.receive_json_from(timeout=3)
    snapshot = await comm.receive_json_from(timeout=5)
    assert late_doses(snapshot["sections"]) == {}

    nurse = make_api()
    await database_sync_to_async(nurse.login)("nurse")
    administration_id = str(uuid.uuid4())
    args = {
        "administration_id": administration_id,
        "order_id": order.id,
        "task_id": task.id,
        "outcome": "given",
        "reason": "đi khám về muộn",
    }
    response = await database_sync_to_async(nurse.sync)([event("med.administer", args)])
    assert response.json()["results"][0]["status"] == "applied", response.json()

    # The delta of that commit carries the late dose: the fact of the administration must
    # reach the projection, not only the task it closed.
    key = f"a:{administration_id}"
    doses: dict = {}
    while key not in doses:
        delta = await comm.receive_json_from(timeout=5)
        doses = delta["sections"].get("doses", {}).get("set", {})
    assert doses[key]["state"] == "late" and doses[key]["title"] == task.title
    # A dashboard opened now finds it in its snapshot, the same item.
    again = await open_dashboard(centre.facility.id, token)
    await again.receive_json_from(timeout=3)
    fresh = await again.receive_json_from(timeout=5)
    assert late_doses(fresh["sections"]) == {key: doses[key]}
    await comm.disconnect()
    await again.disconnect()
