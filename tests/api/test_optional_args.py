"""Args beyond the event table are optional (docs/care-events.md): a meal done with no
details was eaten whole; a note about no resident belongs to the author's only facility.
And `details` carries only the keys its task kind documents."""

from __future__ import annotations

import uuid

import pytest

from server.care.models import Note, TaskInstance
from tests.events import event
from tests.factories import MembershipFactory, ResidentFactory, TaskFactory


def result_of(api, name, args):
    response = api.sync([event(name, args)])
    assert response.status_code == 200, response.content
    return response.json()["results"][0]


def test_a_meal_done_without_details_is_a_whole_portion(centre, make_api):
    meal = TaskFactory(resident=ResidentFactory(area=centre.elderly), kind="meal")
    carer = make_api()
    carer.login("carer")
    result = result_of(carer, "task.complete", {"task_id": meal.id, "outcome": "done"})
    assert result["status"] == "applied"
    assert TaskInstance.objects.get(id=meal.id).details == {"portion": 100}
    # Another phone saying "all of it" explicitly is the same fact.
    other = make_api()
    other.login("nurse")
    again = result_of(
        other, "task.complete", {"task_id": meal.id, "outcome": "done", "details": {"portion": 100}}
    )
    assert again["status"] == "merged"


@pytest.mark.parametrize(
    "details", [{"portion": 100, "blob": "x" * 1000}, {"portion": 100, "nested": {"a": 1}}]
)
def test_details_keys_the_kind_does_not_document_are_refused(centre, api, details):
    meal = TaskFactory(resident=ResidentFactory(area=centre.elderly), kind="meal")
    api.login("carer")
    result = result_of(
        api, "task.complete", {"task_id": meal.id, "outcome": "done", "details": details}
    )
    assert (result["status"], result["code"]) == ("rejected", "invalid_args")
    assert TaskInstance.objects.get(id=meal.id).status == "pending"


def test_a_note_without_resident_belongs_to_the_authors_facility(centre, api):
    api.login("carer")
    note_id = str(uuid.uuid4())
    result = result_of(
        api, "note.add", {"note_id": note_id, "kind": "handover", "text": "Ca đêm yên ổn"}
    )
    assert result["status"] == "applied"
    assert Note.objects.get(id=note_id).facility_id == centre.facility.id


def test_a_note_without_resident_from_someone_in_two_centres_names_its_facility(centre, api):
    MembershipFactory(user=centre.nurse, facility=centre.other_facility, role="nurse")
    api.login("nurse")
    result = result_of(
        api, "note.add", {"note_id": str(uuid.uuid4()), "kind": "handover", "text": "x"}
    )
    assert (result["status"], result["code"]) == ("rejected", "facility_required")
    assert not Note.objects.exists()
