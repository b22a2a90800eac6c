"""Every error code of POST /api/sync/v1 (docs/protocol.md, "Error codes"), and the
per-event outcomes: each answers a machine-readable code and leaves nothing behind."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import datetime, timedelta

from django.utils import timezone
from pydantic import BaseModel

from server.accounts.models import Device
from server.care.models import Note, TaskInstance
from sync.models import Change, Conflict, EventLog
from sync.protocol import MAX_BODY_BYTES, payload_hash
from sync.registry import Decision, Rejected, register
from tests.events import event
from tests.factories import ResidentFactory, TaskFactory


def custom_task(area):
    return TaskFactory(resident=ResidentFactory(area=area), kind="custom")


def note_event(centre, **extra):
    return event(
        "note.add",
        {
            "note_id": str(uuid.uuid4()),
            "kind": "handover",
            "text": "Bàn giao",
            "facility_id": str(centre.facility.id),
            **extra,
        },
    )


def test_it_refuses_more_than_500_events_with_413(centre, api):
    api.login("carer")
    response = api.sync([note_event(centre) for _ in range(501)])
    assert response.status_code == 413
    assert response.json()["code"] == "too_many_events"
    assert response.json()["max"] == 500
    assert EventLog.objects.count() == 0


def test_it_refuses_a_body_over_5_mb_with_413(centre, api):
    api.login("carer")
    big = json.dumps(
        {
            "protocol": 1,
            "device_id": api.device_id,
            "cursor": None,
            "events": [],
            "pad": "x" * (MAX_BODY_BYTES + 10),
        }
    )
    response = api.post("/api/sync/v1", big)
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


def test_it_refuses_a_gzip_body_that_inflates_over_5_mb(centre, api):
    api.login("carer")
    bomb = gzip.compress(b'{"pad": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}')
    assert len(bomb) < 100_000
    response = api.post("/api/sync/v1", bomb, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


def test_it_answers_bad_json_and_bad_gzip_with_400(centre, api):
    api.login("carer")
    response = api.post("/api/sync/v1", "{not json")
    assert (response.status_code, response.json()["code"]) == (400, "bad_json")
    response = api.post("/api/sync/v1", "[1, 2]")
    assert (response.status_code, response.json()["code"]) == (400, "bad_json")
    response = api.post("/api/sync/v1", b"\x1f\x8bnot gzip", HTTP_CONTENT_ENCODING="gzip")
    assert (response.status_code, response.json()["code"]) == (400, "bad_gzip")


def test_it_answers_invalid_request_with_the_fields(centre, api):
    api.login("carer")
    response = api.post("/api/sync/v1", {"protocol": 1, "events": []})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_request"
    assert any(d["field"] == "device_id" for d in body["details"])


def test_it_accepts_events_from_an_old_app_but_answers_426_for_the_pull(centre, api):
    api.login("carer")
    ev = note_event(centre)
    response = api.sync([ev], protocol=0)
    assert response.status_code == 426
    body = response.json()
    assert body["code"] == "upgrade_required" and body["min"] == 1
    assert body["results"] == [{"id": ev["id"], "status": "applied"}]
    assert "changes" not in body
    assert Note.objects.filter(id=ev["args"]["note_id"]).exists()


def test_it_answers_409_reset_required_when_the_scope_changed_and_applies_nothing(centre, api):
    api.login("carer")
    cursor = api.sync().json()["cursor"]
    centre.carer.memberships.get().areas.add(centre.children)
    ev = note_event(centre)
    response = api.sync([ev], cursor=cursor)
    assert response.status_code == 409
    assert response.json()["code"] == "reset_required"
    assert not EventLog.objects.exists() and not Note.objects.exists()
    # The client retries the same events with a null cursor.
    retry = api.sync([ev])
    assert retry.status_code == 200 and retry.json()["results"][0]["status"] == "applied"


def test_it_knows_a_replay_of_an_event_logged_with_the_digest_of_earlier_builds(centre, api):
    api.login("carer")
    ev = note_event(centre)
    assert api.sync([ev]).json()["results"][0]["status"] == "applied"
    # As a row logged before payload_digest holds it: a phone resending after an upgrade.
    EventLog.objects.filter(id=ev["id"]).update(
        payload_hash=payload_hash(
            name=ev["name"],
            args=ev["args"],
            at=datetime.fromisoformat(ev["at"]).isoformat(),
            device_id=api.device_id,
            device_seq=ev["device_seq"],
        )
    )
    again = api.sync([ev]).json()["results"][0]
    assert (again["status"], again["original_status"]) == ("duplicate", "applied")
    reused = api.sync([{**ev, "args": {**ev["args"], "text": "khác"}}]).json()["results"][0]
    assert (reused["status"], reused["code"]) == ("rejected", "id_reuse")


def test_it_answers_bad_cursor_with_400(centre, api):
    api.login("carer")
    for cursor in ["not-a-cursor", "eyJ4IjoxfQ"]:
        response = api.sync([note_event(centre)], cursor=cursor)
        assert (response.status_code, response.json()["code"]) == (400, "bad_cursor")
    assert not EventLog.objects.exists()


def test_it_answers_device_mismatch_with_403(centre, api):
    api.login("carer")
    response = api.post(
        "/api/sync/v1",
        {
            "protocol": 1,
            "device_id": str(uuid.uuid4()),
            "cursor": None,
            "events": [note_event(centre)],
        },
    )
    assert (response.status_code, response.json()["code"]) == (403, "device_mismatch")
    assert not EventLog.objects.exists()


def test_it_answers_401_for_a_bad_token_and_a_revoked_device(centre, api):
    response = api.sync()
    assert (response.status_code, response.json()["code"]) == (401, "invalid_token")
    api.token = "forged"
    response = api.sync()
    assert (response.status_code, response.json()["code"]) == (401, "invalid_token")
    api.login("carer")
    Device.objects.filter(id=api.device_id).update(revoked_at=timezone.now())
    response = api.sync([note_event(centre)])
    assert (response.status_code, response.json()["code"]) == (401, "device_revoked")
    assert not EventLog.objects.exists()


def test_it_rejects_unknown_events_and_invalid_args_with_details(centre, api):
    api.login("carer")
    unknown = event("teleport.resident", {"x": 1})
    invalid = event("task.complete", {"task_id": "nope", "outcome": "eaten"})
    envelope = {"id": str(uuid.uuid4()), "name": "note.add"}  # no at, no device_seq
    results = api.sync([unknown, invalid, envelope]).json()["results"]
    assert results[0]["code"] == "unknown_event" and results[0]["status"] == "rejected"
    assert results[1]["code"] == "invalid_args"
    assert {d["field"] for d in results[1]["details"]} == {"task_id", "outcome"}
    assert results[2]["code"] == "invalid_event"
    assert {d["field"] for d in results[2]["details"]} >= {"at", "device_seq"}
    # Quarantined: every one of them is in the event log, and nothing else changed.
    assert EventLog.objects.filter(status="rejected").count() == 3
    assert not Change.objects.exists()


def test_it_rejects_an_object_outside_the_scope_as_not_found(centre, api):
    task = custom_task(centre.children)
    api.login("carer")
    result = api.sync([event("task.complete", {"task_id": task.id, "outcome": "done"})]).json()[
        "results"
    ][0]
    assert (result["status"], result["code"]) == ("rejected", "not_found")
    task.refresh_from_db()
    assert task.status == "pending"


def test_it_rejects_a_missing_permission_as_forbidden(centre, api):
    conflict = Conflict.objects.create(
        facility_id=centre.facility.id,
        area_id=centre.elderly.id,
        kind="x",
        subject_type="task",
        subject_id=uuid.uuid4(),
        opened_at=timezone.now(),
    )
    api.login("carer")
    ev = event("conflict.resolve", {"conflict_id": conflict.id, "resolution": "keep_first"})
    result = api.sync([ev]).json()["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "forbidden")
    conflict.refresh_from_db()
    assert conflict.status == "open"


def test_it_answers_duplicate_with_the_original_result_and_id_reuse_for_other_content(centre, api):
    task = custom_task(centre.elderly)
    api.login("carer")
    ev = event(
        "task.complete",
        {"task_id": task.id, "outcome": "done"},
        at=timezone.now() + timedelta(minutes=10),
    )
    first = api.sync([ev]).json()["results"][0]
    assert first == {"id": ev["id"], "status": "applied", "flags": ["clock_skew"]}
    again = api.sync([ev]).json()["results"][0]
    assert again == {
        "id": ev["id"],
        "status": "duplicate",
        "original_status": "applied",
        "flags": ["clock_skew"],
    }
    reused = api.sync([{**ev, "args": {**ev["args"], "outcome": "refused"}}]).json()["results"][0]
    assert (reused["status"], reused["code"]) == ("rejected", "id_reuse")
    assert EventLog.objects.count() == 1
    task.refresh_from_db()
    assert task.status == "done" and task.version == 2


def test_it_flags_clock_skew_only_beyond_five_minutes(centre, api):
    api.login("carer")
    close = note_event(centre)
    close["at"] = (timezone.now() + timedelta(minutes=4)).isoformat()
    far = note_event(centre)
    far["at"] = (timezone.now() + timedelta(minutes=6)).isoformat()
    results = api.sync([close, far]).json()["results"]
    assert "flags" not in results[0]
    assert results[1]["flags"] == ["clock_skew"] and results[1]["status"] == "applied"
    assert EventLog.objects.get(id=far["id"]).flags == ["clock_skew"]


def test_a_rejected_event_never_blocks_the_events_behind_it(centre, api):
    tasks = [custom_task(centre.elderly) for _ in range(2)]
    outside = custom_task(centre.children)
    api.login("carer")
    events = [
        event("task.complete", {"task_id": tasks[0].id, "outcome": "done"}),
        event("task.complete", {"task_id": outside.id, "outcome": "done"}),
        event("task.complete", {"task_id": tasks[1].id, "outcome": "done"}),
    ]
    results = api.sync(events).json()["results"]
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert set(TaskInstance.objects.filter(status="done").values_list("id", flat=True)) == {
        t.id for t in tasks
    }
    assert set(Change.objects.values_list("record_id", flat=True)) == {t.id for t in tasks}


class WriteThenRejectArgs(BaseModel):
    note_id: uuid.UUID
    facility_id: uuid.UUID


@register("test.write_then_reject", WriteThenRejectArgs)
def _write_then_reject(ctx, args):
    # Breaks the registry contract on purpose: the engine must still leave nothing behind.
    Note.objects.create(
        id=args.note_id,
        facility_id=args.facility_id,
        kind="handover",
        text="x",
        by=ctx.user,
        at=ctx.event.at,
    )
    raise Rejected("too_late", "Đã quá muộn.")


@register("test.crash", WriteThenRejectArgs)
def _crash(ctx, args):
    Note.objects.create(
        id=args.note_id,
        facility_id=args.facility_id,
        kind="handover",
        text="x",
        by=ctx.user,
        at=ctx.event.at,
    )
    raise ZeroDivisionError


@register("test.ok", WriteThenRejectArgs)
def _ok(ctx, args):
    return Decision(status="merged", code="nothing_to_do")


def test_it_leaves_nothing_behind_of_a_handler_that_wrote_before_failing(centre, api):
    api.login("carer")
    ids = [uuid.uuid4() for _ in range(3)]
    events = [
        note_event(centre),
        event("test.write_then_reject", {"note_id": ids[0], "facility_id": centre.facility.id}),
        event("test.crash", {"note_id": ids[1], "facility_id": centre.facility.id}),
        event("test.ok", {"note_id": ids[2], "facility_id": centre.facility.id}),
        note_event(centre),
    ]
    results = api.sync(events).json()["results"]
    assert [r["status"] for r in results] == [
        "applied",
        "rejected",
        "rejected",
        "merged",
        "applied",
    ]
    assert [r.get("code") for r in results[1:4]] == ["too_late", "internal_error", "nothing_to_do"]
    assert set(Note.objects.values_list("id", flat=True)) == {
        uuid.UUID(events[0]["args"]["note_id"]),
        uuid.UUID(events[4]["args"]["note_id"]),
    }
    assert EventLog.objects.count() == 5
    assert Change.objects.count() == 2
