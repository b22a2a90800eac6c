from tests.events import event
from tests.factories import ResidentFactory, TaskFactory


def test_it_applies_a_task_completion_and_answers_duplicate_on_replay(centre, api):
    task = TaskFactory(resident=ResidentFactory(area=centre.elderly), kind="custom")
    api.login("carer")
    ev = event("task.complete", {"task_id": task.id, "outcome": "done"})
    first = api.sync([ev]).json()
    assert first["results"] == [{"id": ev["id"], "status": "applied"}]
    again = api.sync([ev], cursor=first["cursor"]).json()
    assert again["results"][0]["status"] == "duplicate"
    assert again["results"][0]["original_status"] == "applied"
    task.refresh_from_db()
    assert task.status == "done"
