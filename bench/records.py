"""The records both sides of `sync_vs_pouchdb.py` push: task completions (`--shape task`)
or observation notes (`--shape note`), as our sync events and as PouchDB documents."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

ICT = timezone(timedelta(hours=7))


def make_records(task_ids: list[str], device_id: str) -> list[dict]:
    now = datetime.now(ICT).replace(microsecond=0)
    millis = int(now.timestamp() * 1000)
    node = device_id.replace("-", "")[:16]
    return [
        # A meal eaten in full: the tasks are meals, whose rule wants the portion.
        {
            "id": str(uuid.uuid4()),
            "task_id": t,
            "outcome": "done",
            "details": {"portion": 100},
            "device_seq": i + 1,
            "at": (now - timedelta(seconds=len(task_ids) - i)).isoformat(),
            "hlc": f"{millis + i:013d}-0000-{node}",
        }
        for i, t in enumerate(task_ids)
    ]


NOTE_WORDS = (
    "ăn hết suất",
    "ngủ trưa ngon",
    "hơi sốt nhẹ buổi chiều",
    "đã uống đủ nước",
    "kêu đau lưng, đã báo điều dưỡng",
    "đi lại được với khung tập",
    "tâm trạng vui, nói chuyện nhiều",
    "cần theo dõi huyết áp tối nay",
)


def make_notes(resident_ids: list[str], size: int, device_id: str) -> list[dict]:
    now = datetime.now(ICT).replace(microsecond=0)
    millis = int(now.timestamp() * 1000)
    node = device_id.replace("-", "")[:16]
    records = []
    for i in range(size):
        words = [NOTE_WORDS[(i * 3 + k) % len(NOTE_WORDS)] for k in range(2 + i % 4)]
        records.append(
            {
                "id": str(uuid.uuid4()),
                "note_id": str(uuid.uuid4()),
                "kind": "observation",
                "text": ("Cụ " + "; ".join(words) + ".")[:200],
                "resident_id": resident_ids[i % len(resident_ids)],
                "device_seq": i + 1,
                "at": (now - timedelta(seconds=size - i)).isoformat(),
                "hlc": f"{millis + i:013d}-0000-{node}",
            }
        )
    return records


NOTE_FIELDS = ("note_id", "kind", "text", "resident_id")


def note_event(r: dict) -> dict:
    return {
        "id": r["id"],
        "device_seq": r["device_seq"],
        "name": "note.add",
        "at": r["at"],
        "hlc": r["hlc"],
        "args": {k: r[k] for k in NOTE_FIELDS},
    }


def note_doc(r: dict, device_id: str) -> dict:
    return {
        "_id": r["id"],
        "type": "note.add",
        **{k: r[k] for k in NOTE_FIELDS},
        "at": r["at"],
        "device_id": device_id,
        "device_seq": r["device_seq"],
        "hlc": r["hlc"],
    }


def as_event(r: dict) -> dict:
    if "note_id" in r:
        return note_event(r)
    return {
        "id": r["id"],
        "device_seq": r["device_seq"],
        "name": "task.complete",
        "at": r["at"],
        "hlc": r["hlc"],
        "args": {"task_id": r["task_id"], "outcome": r["outcome"], "details": r["details"]},
    }


def as_doc(r: dict, device_id: str) -> dict:
    if "note_id" in r:
        return note_doc(r, device_id)
    return {
        "_id": r["id"],
        "type": "task.complete",
        "task_id": r["task_id"],
        "outcome": r["outcome"],
        "details": r["details"],
        "at": r["at"],
        "device_id": device_id,
        "device_seq": r["device_seq"],
        "hlc": r["hlc"],
    }
