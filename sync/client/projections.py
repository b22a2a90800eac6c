"""Own acknowledged events, applied to the phone's state by the client itself: the server
does not echo a phone's own changes back (docs/protocol.md, no echo). Other names are shown
from the server's state once a later change of the record arrives."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sync.client.store import Store

Projection = Callable[["Store", str, dict[str, Any]], None]


def _task_complete(store: Store, user_id: str, event: dict[str, Any]) -> None:
    args = event["args"]
    record = store.record("task", str(args.get("task_id")), user_id)
    if record is None:
        return  # never pulled: the server sends it whole (an own change over unseen ones)
    record["data"].update(
        status=args.get("outcome"),
        done_by=user_id,
        done_at=event["at"],
        reason=args.get("reason", ""),
    )
    if "details" in args:
        record["data"]["details"] = args["details"]
    store.put(user_id, "task", record["id"], record["version"], record["data"])


def _note_add(store: Store, user_id: str, event: dict[str, Any]) -> None:
    args = event["args"]
    facility_id, area_id = args.get("facility_id"), args.get("area_id")
    resident = (
        store.record("resident", str(args["resident_id"]), user_id)
        if args.get("resident_id")
        else None
    )
    if resident is not None:
        facility_id, area_id = resident["data"].get("facility_id"), resident["data"].get("area_id")
    data = {
        "facility_id": facility_id,
        "area_id": area_id,
        "resident_id": args.get("resident_id"),
        "kind": args.get("kind"),
        "text": args.get("text"),
        "by": user_id,
        "at": event["at"],
        "void": False,
    }
    store.put(user_id, "note", str(args["note_id"]), 1, data)


PROJECTIONS: dict[str, Projection] = {"task.complete": _task_complete, "note.add": _note_add}
