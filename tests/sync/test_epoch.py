"""The database epoch in the cursor (docs/protocol.md §5, "Epoch"): a cursor this database did
not issue is answered 409 reset_required before anything is decided; the phones' cursors
from before the epoch keep working until the database is restored from a dump."""

from __future__ import annotations

import uuid

from django.utils import timezone

from server.care.models import Note
from sync.models import Epoch, EventLog
from sync.protocol import Cursor
from tests.events import event


def note_event(centre):
    args = {
        "note_id": str(uuid.uuid4()),
        "kind": "handover",
        "text": "Bàn giao",
        "facility_id": str(centre.facility.id),
    }
    return event("note.add", args)


def legacy(token: str, facilities: list[str]) -> str:
    """The same cursor as a phone of the build before the epoch holds it (`c1.`)."""
    cursor = Cursor.decode(token, facilities)
    return cursor.model_copy(update={"epoch": ""}).encode(facilities)


def test_it_carries_the_epoch_in_the_cursor(centre, api):
    api.login("carer")
    cursor = api.sync().json()["cursor"]
    assert cursor.startswith(f"c3.{Epoch.objects.get().value}.")
    assert len(Epoch.objects.get().value) == 6


def test_it_answers_reset_required_to_a_cursor_of_another_database(centre, api):
    api.login("carer")
    cursor = api.sync().json()["cursor"]
    # Another database: the same facilities and scope, another epoch.
    Epoch.objects.update(value="0ther1")
    ev = note_event(centre)
    response = api.sync([ev], cursor=cursor)
    assert (response.status_code, response.json()["code"]) == (409, "reset_required")
    assert "khôi phục" in response.json()["message"]
    assert not EventLog.objects.exists() and not Note.objects.exists()
    retry = api.sync([ev]).json()
    assert retry["results"][0]["status"] == "applied"
    assert retry["cursor"].startswith("c3.0ther1.")


def test_it_reads_a_cursor_without_epoch_and_answers_with_one(centre, api):
    api.login("carer")
    facilities = [str(centre.facility.id)]
    first = api.sync().json()["cursor"]
    old = legacy(first, facilities)
    assert old.startswith("c1.")
    note = note_event(centre)
    response = api.sync([note], cursor=old)
    assert response.status_code == 200, response.json()
    assert response.json()["results"][0]["status"] == "applied"
    assert response.json()["cursor"].startswith(f"c3.{Epoch.objects.get().value}.")


def test_it_refuses_a_cursor_without_epoch_once_the_database_was_restored(centre, api):
    api.login("carer")
    old = legacy(api.sync().json()["cursor"], [str(centre.facility.id)])
    Epoch.objects.update(value="ab12cd", restored_at=timezone.now())
    ev = note_event(centre)
    response = api.sync([ev], cursor=old)
    assert (response.status_code, response.json()["code"]) == (409, "reset_required")
    assert not EventLog.objects.exists()
    assert api.sync([ev]).json()["results"][0]["status"] == "applied"


def test_it_makes_an_epoch_for_a_database_emptied_without_migrating(centre, api):
    Epoch.objects.all().delete()
    api.login("carer")
    cursor = api.sync().json()["cursor"]
    assert cursor.startswith(f"c3.{Epoch.objects.get().value}.")
    assert api.sync(cursor=cursor).status_code == 200


def test_it_reads_a_decimal_c2_cursor_of_the_build_before_and_answers_with_c3(centre, api):
    api.login("carer")
    facilities = [str(centre.facility.id)]
    cursor = Cursor.decode(api.sync().json()["cursor"], facilities)
    decimal = ".".join(
        ["c2", cursor.epoch, cursor.scope]
        + [str(n) for f in facilities for n in (cursor.positions[f], cursor.floor[f])]
    )
    response = api.sync([note_event(centre)], cursor=decimal)
    assert response.status_code == 200, response.json()
    assert response.json()["results"][0]["status"] == "applied"
    assert response.json()["cursor"].startswith(f"c3.{cursor.epoch}.")
