"""Own acknowledged events, applied to the phone's state by the client itself: the server
does not echo a phone's own changes back (docs/protocol.md, no echo). Other names are shown
from the server's state once a later change of the record arrives."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sync.client.transport import json_dump

if TYPE_CHECKING:
    from sync.client.store import Store

Projection = Callable[["Store", str, dict[str, Any]], None]


def _completed(data: dict[str, Any], user_id: str, event: dict[str, Any]) -> None:
    args = event["args"]
    data.update(
        status=args.get("outcome"),
        done_by=user_id,
        done_at=event["at"],
        reason=args.get("reason", ""),
    )
    if "details" in args:
        data["details"] = args["details"]


def _task_complete(store: Store, user_id: str, event: dict[str, Any]) -> None:
    record = store.record("task", str(event["args"].get("task_id")), user_id)
    if record is None:
        return  # never pulled: the server sends it whole (an own change over unseen ones)
    _completed(record["data"], user_id, event)
    store.put(user_id, "task", record["id"], record["version"], record["data"])


def _task_complete_all(store: Store, user_id: str, events: list[dict[str, Any]]) -> None:
    """The completions of one answer, as `_task_complete` one after the other would leave
    them (a task completed twice ends as the later says; a task never pulled is left
    alone): SQLite's `json_set` changes the stored records in place, one statement for all,
    instead of each record decoded and encoded again in Python."""
    with_details, without = [], []
    for event in events:
        args = event["args"]
        row = [args.get("outcome"), user_id, event["at"], args.get("reason", "")]
        key = [user_id, str(args.get("task_id"))]
        if "details" in args:
            with_details.append((*row, json_dump(args["details"]).decode(), *key))
        else:
            without.append((*row, *key))
    fields = "'$.status', ?, '$.done_by', ?, '$.done_at', ?, '$.reason', ?"
    where = "where user_id = ? and type = 'task' and id = ?"
    # One statement per shape, in the events' order within each: a task completed in one
    # answer both with and without details (rare) needs the events' order across the two,
    # so that answer goes one by one.
    if {r[-1] for r in with_details} & {r[-1] for r in without}:
        for event in events:
            _task_complete(store, user_id, event)
        return
    store.db.executemany(
        f"update records set data = json_set(data, {fields}, '$.details', json(?)) {where}",
        with_details,
    )
    store.db.executemany(f"update records set data = json_set(data, {fields}) {where}", without)


def _note_data(
    resident: dict[str, Any] | None, user_id: str, event: dict[str, Any]
) -> dict[str, Any]:
    args = event["args"]
    facility_id, area_id = args.get("facility_id"), args.get("area_id")
    if resident is not None:
        facility_id, area_id = resident["data"].get("facility_id"), resident["data"].get("area_id")
    return {
        "facility_id": facility_id,
        "area_id": area_id,
        "resident_id": args.get("resident_id"),
        "kind": args.get("kind"),
        "text": args.get("text"),
        "by": user_id,
        "at": event["at"],
        "void": False,
    }


def _resident(store: Store, user_id: str, event: dict[str, Any]) -> dict[str, Any] | None:
    args = event["args"]
    return (
        store.record("resident", str(args["resident_id"]), user_id)
        if args.get("resident_id")
        else None
    )


def _note_add(store: Store, user_id: str, event: dict[str, Any]) -> None:
    data = _note_data(_resident(store, user_id, event), user_id, event)
    store.put(user_id, "note", str(event["args"]["note_id"]), 1, data)


def _note_add_all(store: Store, user_id: str, events: list[dict[str, Any]]) -> None:
    """The notes of one answer, as `_note_add` one after the other would leave them: each
    resident read once (a push of 500 notes names ~30), the notes written by one statement.
    A note projection writes no resident, so a resident read once holds for the answer."""
    residents: dict[str, dict[str, Any] | None] = {}
    rows: list[tuple[str, int | None, str]] = []
    for event in events:
        args = event["args"]
        key = str(args["resident_id"]) if args.get("resident_id") else ""
        if key not in residents:
            residents[key] = _resident(store, user_id, event)
        data = _note_data(residents[key], user_id, event)
        rows.append((str(args["note_id"]), 1, json_dump(data).decode()))
    store.put_many(user_id, "note", rows)


PROJECTIONS: dict[str, Projection] = {"task.complete": _task_complete, "note.add": _note_add}
# The same projections for all the acknowledged events of a name in one answer at once.
PROJECTIONS_ALL: dict[str, Callable[[Store, str, list[dict[str, Any]]], None]] = {
    "task.complete": _task_complete_all,
    "note.add": _note_add_all,
}
