"""A member sees and acts only inside their scope: their facility, and for carers their areas.

Outside it, things do not exist: `not_found` / 404, never data, never `forbidden`.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.utils import timezone

from server.care.horizon import tasks_materialise
from server.care.models import Note, TaskInstance
from sync.models import Conflict, EventLog
from sync.types import publish
from tests.events import event
from tests.factories import AreaFactory, ResidentFactory, RoutineFactory, TaskFactory


@pytest.fixture
def world(centre):
    """Residents with routines and tasks in the carer's area, the next area, and another centre."""
    other_area = AreaFactory(facility=centre.other_facility, name="Khu B (trung tâm khác)")
    people = {
        "mine": ResidentFactory(area=centre.elderly),
        "next_door": ResidentFactory(area=centre.children),
        "other_centre": ResidentFactory(area=other_area),
    }
    for resident in people.values():
        RoutineFactory(resident=resident, times=["11:00"])
    RoutineFactory(
        resident=None, area=other_area, kind="disinfection", title="Khử khuẩn", times=["14:00"]
    )
    publish(
        [
            centre.facility,
            centre.other_facility,
            centre.elderly,
            centre.children,
            other_area,
            *people.values(),
        ]
    )
    tasks_materialise(today=date(2026, 11, 23), days=1)
    return people


def _pull_all(api) -> list[dict]:
    changes, cursor = [], None
    while True:
        body = api.sync(cursor=cursor).json()
        changes += body["changes"]
        cursor = body["cursor"]
        if not body["more"]:
            return changes


def test_it_rejects_completing_another_centres_task_and_changes_nothing(centre, world, api):
    task = TaskInstance.objects.get(resident=world["other_centre"])
    api.login("carer")
    ev = event("task.complete", {"task_id": task.id, "outcome": "done"})
    result = api.sync([ev]).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "not_found")
    task.refresh_from_db()
    assert (task.status, task.done_by_id, task.version) == ("pending", None, 1)
    assert EventLog.objects.get(id=ev["id"]).status == "rejected"


def test_it_rejects_a_carer_completing_a_task_in_an_area_they_do_not_cover(centre, world, api):
    task = TaskInstance.objects.get(resident=world["next_door"])
    api.login("carer")
    result = api.sync([event("task.complete", {"task_id": task.id, "outcome": "done"})]).json()[
        "results"
    ][0]
    assert (result["status"], result["code"]) == ("rejected", "not_found")
    task.refresh_from_db()
    assert task.status == "pending"


def test_it_answers_the_same_for_a_task_that_does_not_exist_at_all(centre, api):
    api.login("carer")
    result = api.sync(
        [event("task.complete", {"task_id": uuid.uuid4(), "outcome": "done"})]
    ).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "not_found")


def test_it_rejects_a_note_about_another_centres_resident(centre, world, api):
    api.login("nurse")  # facility-wide in her own centre, nothing outside it
    ev = event(
        "note.add",
        {
            "note_id": uuid.uuid4(),
            "kind": "observation",
            "text": "Sốt nhẹ",
            "resident_id": world["other_centre"].id,
        },
    )
    result = api.sync([ev]).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "not_found")
    assert not Note.objects.exists()


def test_it_pulls_for_a_carer_only_their_centre_and_their_areas(centre, world, api):
    api.login("carer")
    changes = _pull_all(api)
    ids = {c["id"] for c in changes}
    tasks = {c["id"] for c in changes if c["type"] == "task"}
    assert str(world["mine"].id) in ids
    assert tasks == {str(t.id) for t in TaskInstance.objects.filter(resident=world["mine"])}
    for outsider in (world["next_door"], world["other_centre"]):
        assert str(outsider.id) not in ids
    for change in changes:
        data = change["data"]
        facility = data.get("facility_id") or change["id"]  # a facility change is its own id
        assert facility == str(centre.facility.id), change
        if data.get("area_id") and change["type"] != "area":
            assert data["area_id"] == str(centre.elderly.id), change


def test_it_pulls_for_a_manager_the_whole_centre_and_nothing_of_the_other(centre, world, api):
    api.login("manager")
    changes = _pull_all(api)
    residents = {c["id"] for c in changes if c["type"] == "resident"}
    assert residents == {str(world["mine"].id), str(world["next_door"].id)}
    assert all(
        (c["data"].get("facility_id") or c["id"]) == str(centre.facility.id) for c in changes
    )


def test_it_pulls_for_the_other_centres_manager_only_their_own(centre, world, api):
    api.login("outsider")
    changes = _pull_all(api)
    assert changes and all(
        (c["data"].get("facility_id") or c["id"]) == str(centre.other_facility.id) for c in changes
    )
    assert {c["type"] for c in changes} >= {"facility", "area", "resident", "task"}


@pytest.fixture
def conflict(centre, world):
    task = TaskInstance.objects.get(resident=world["mine"])
    return Conflict.objects.create(
        facility_id=centre.facility.id,
        area_id=centre.elderly.id,
        kind="contradictory_outcome",
        subject_type="task",
        subject_id=task.id,
        opened_at=timezone.now(),
        message="Hai kết quả khác nhau",
    )


def test_it_lists_no_conflicts_of_another_centre(centre, conflict, make_api):
    outsider, manager = make_api(), make_api()
    outsider.login("outsider")
    manager.login("manager")
    assert outsider.get("/api/conflicts").json()["items"] == []
    assert [c["id"] for c in manager.get("/api/conflicts").json()["items"]] == [str(conflict.id)]


def test_it_answers_404_for_resolving_another_centres_conflict(centre, conflict, api):
    api.login("outsider")
    response = api.post(
        f"/api/conflicts/{conflict.id}/resolve", {"resolution": "keep_first", "note": "?"}
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    conflict.refresh_from_db()
    assert conflict.status == "open" and conflict.resolved_by is None


def test_it_keeps_a_task_made_elsewhere_invisible_until_it_is_in_scope(centre, api):
    other = TaskFactory(resident=ResidentFactory(area=AreaFactory(facility=centre.other_facility)))
    publish([other])
    api.login("carer")
    assert str(other.id) not in {c["id"] for c in _pull_all(api)}
