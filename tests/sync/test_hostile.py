"""Hostile input through POST /api/sync/v1 (docs/protocol.md, "Limits"): each bad event is
`rejected` on its own, the good ones around it land, and nothing bad reaches the database.
On PostgreSQL any one of these used to fail the whole call with an HTML 500."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import RequestFactory

from server.api import server_error
from server.care.models import Note
from sync.models import EventLog
from tests.events import event


def note(centre, text: str = "Bàn giao ca") -> dict:
    return event(
        "note.add",
        {
            "note_id": str(uuid.uuid4()),
            "kind": "handover",
            "text": text,
            "facility_id": str(centre.facility.id),
        },
    )


def nested(levels: int) -> object:
    value: object = "đáy"
    for _ in range(levels):
        value = {"x": value}
    return value


def hostile_events(centre) -> dict[str, object]:
    """One event per attack, keyed by what it carries."""

    def with_args(**args) -> dict:
        ev = note(centre)
        ev["args"].update(args)
        return ev

    nul_hlc = note(centre)
    nul_hlc["hlc"] = "1700000000000-0000-a\x00b"
    huge_seq = note(centre)
    huge_seq["device_seq"] = 2**63
    early = note(centre)
    early["at"] = "0001-01-01T03:00:00+07:00"
    late = note(centre)
    late["at"] = "9999-12-31T22:00:00-05:00"
    return {
        "nul_in_text": note(centre, "Bàn\x00giao"),
        "nul_in_hlc": nul_hlc,
        "nul_in_a_key": with_args(**{"bad\x00key": 1}),
        "lone_surrogate": note(centre, "Bàn giao \ud800"),
        "nan": with_args(temperature=float("nan")),
        "infinity": with_args(temperature=float("-inf")),
        "huge_int": with_args(count=2**70),
        "huge_device_seq": huge_seq,
        "at_before_year_1": early,
        "at_after_year_9999": late,
        "too_deep": with_args(extra=nested(40)),
        "not_an_object": "task.complete",
        "a_list": [note(centre)],
    }


def test_each_hostile_event_is_rejected_alone_and_the_good_ones_land(centre, api):
    api.login("carer")
    bad = hostile_events(centre)
    first, last = note(centre, "trước"), note(centre, "sau")
    batch = [first, *bad.values(), last]
    # json.dumps writes NaN/-Infinity literals and \\ud800 escapes, as a hostile client would.
    response = api.post(
        "/api/sync/v1",
        json.dumps({"protocol": 1, "device_id": api.device_id, "cursor": None, "events": batch}),
    )
    assert response.status_code == 200, response.content[:300]
    results = response.json()["results"]
    assert [r["status"] for r in (results[0], results[-1])] == ["applied", "applied"]
    for (what, _), result in zip(bad.items(), results[1:-1], strict=True):
        assert (what, result["status"], result["code"]) == (what, "rejected", "invalid_event")
        assert result["message"]
    assert set(Note.objects.values_list("text", flat=True)) == {"trước", "sau"}
    # Every bad event with a usable id is kept in quarantine, cleaned of what the DB refuses.
    kept = EventLog.objects.filter(status="rejected")
    assert kept.count() == sum(isinstance(e, dict) for e in bad.values())
    for row in kept:
        stored = json.dumps([row.args, row.hlc, row.name])
        assert "\\u0000" not in stored and "\\ud800" not in stored


def test_the_same_batch_again_is_answered_from_the_log(centre, api):
    api.login("carer")
    batch = [note(centre, "Bàn\x00giao"), note(centre)]
    body = {"protocol": 1, "device_id": api.device_id, "cursor": None, "events": batch}
    api.post("/api/sync/v1", json.dumps(body))
    again = api.post("/api/sync/v1", json.dumps(body)).json()["results"]
    assert [(r["status"], r.get("original_status"), r.get("code")) for r in again] == [
        ("duplicate", "rejected", "invalid_event"),
        ("duplicate", "applied", None),
    ]
    assert EventLog.objects.count() == 2


def test_a_body_nested_past_what_the_parser_follows_is_a_400(centre, api):
    api.login("carer")
    deep = "[" * 100_000 + "]" * 100_000
    body = f'{{"protocol": 1, "device_id": "{api.device_id}", "events": [], "x": {deep}}}'
    response = api.post("/api/sync/v1", body)
    assert (response.status_code, response.json()["code"]) == (400, "bad_json")


def test_an_integer_too_long_to_read_is_one_bad_event(centre, api):
    api.login("carer")
    good = note(centre)
    body = json.dumps(
        {"protocol": 1, "device_id": api.device_id, "events": [good, "PLACEHOLDER"]}
    ).replace('"PLACEHOLDER"', f'{{"id": "{uuid.uuid4()}", "device_seq": {"9" * 5000}}}')
    response = api.post("/api/sync/v1", body)
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["applied", "rejected"]


@pytest.mark.parametrize("cursor", ["c1.x.99999999999999999999.0", "c1.x.1.0\x00", "c1.x.\ud800.0"])
def test_a_hostile_cursor_is_bad_cursor(centre, api, cursor):
    api.login("carer")
    body = json.dumps({"protocol": 1, "device_id": api.device_id, "cursor": cursor})
    response = api.post("/api/sync/v1", body)
    assert (response.status_code, response.json()["code"]) == (400, "bad_cursor")


def test_an_unexpected_failure_answers_json_not_an_html_page(centre, api, settings, monkeypatch):
    settings.DEBUG = False
    api.login("carer")
    api.client.raise_request_exception = False

    def broken(**kwargs):
        raise RuntimeError("boom")

    # The engine is not what is tested here: the API's last line of defence is.
    monkeypatch.setattr("sync.api.sync_call", broken)
    response = api.sync([note(centre)])
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "internal_error"
    assert "boom" not in response.content.decode()


def test_a_failure_outside_the_api_views_is_json_on_api_paths(settings):
    settings.DEBUG = False
    response = server_error(RequestFactory().get("/api/sync/v1"))
    assert (response.status_code, json.loads(response.content)["code"]) == (500, "internal_error")


@pytest.mark.parametrize(
    ("number", "hostile"),
    [
        (str(2**63 - 1), False),
        (str(-(2**63)), False),
        ("1e19", False),  # a float, however large, is a number like any other
        (str(2**63), True),
        (str(-(2**63) - 1), True),
        (str(2**64 - 1), True),
        (str(2**64), True),  # orjson would read these two as floats: json decides them
        (str(-(2**64)), True),
        ("1" + "0" * 25, True),
    ],
)
def test_integers_get_the_same_answer_whichever_parser_reads_the_body(centre, api, number, hostile):
    api.login("carer")
    good, bad = note(centre), note(centre)
    body = json.dumps({"protocol": 1, "device_id": api.device_id, "events": [good, bad]})
    body = body.replace(f'"device_seq": {bad["device_seq"]}', f'"device_seq": 1, "n": {number}')
    response = api.post("/api/sync/v1", body)
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert results[0]["status"] == "applied"
    assert (results[1].get("code") == "invalid_event") is hostile, results[1]
