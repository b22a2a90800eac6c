"""Does a tree answer a push exactly as another did? The answers and the rows, side by side.

Runs, in-process through the real middleware and view (as `push_cpu.py` does), a fixed
scenario of mixed events on a fresh facility, and writes every answer and every row it left
(tasks, notes, changes, the event log, conflicts) as JSON, ids, times, stamps and digests
numbered in order of appearance, so that two runs, or two trees, can be compared byte for
byte. Nothing is asserted: the output is what is compared.

    python bench/push_compare.py --database catruc_bench --out /tmp/after.json
    (cd /tmp/before && python bench/push_compare.py --database … --out /tmp/before.json)
    cmp /tmp/before.json /tmp/after.json

The scenario, four calls from two devices of one carer: completions done, partial and
refused, a future `at`, a stamp 10 h ahead, a malformed and a missing one, an unknown task,
another centre's task and resident, bad args (an unknown outcome, a portion of 2**70, a NUL,
a reason too long, an impossible date), an unknown event name, invalid envelopes (no id,
no offset, a float seq), an event repeated within the call and ten resent in the next,
contradicting completions from the second device (conflicts), a device correcting its own
refusal, notes (with and
without a resident, a duplicate note id, another centre's resident, NUL in the text), and a
body with NaN and a 25-digit integer (the json parser's path). Run it from the root of the
tree to be measured; the database must exist and be migrated.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import in_venv  # noqa: F401  first: the venv, the import path

parser = argparse.ArgumentParser()
parser.add_argument("--database", default="catruc_bench")
parser.add_argument("--out", required=True)
ARGS = parser.parse_args()

import peers  # noqa: E402

os.environ.update(peers.ours_env(ARGS.database))
os.environ["ALLOWED_HOSTS"] = "testserver"

import ours_setup  # noqa: E402  (sets Django up)
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from server.care.models import Note, TaskInstance  # noqa: E402
from sync.models import Change, Conflict, EventLog  # noqa: E402


def post(token: str, body: bytes) -> dict:
    response = Client().post(
        "/api/sync/v1", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    return {"status": response.status_code, "body": json.loads(response.content)}


class Events:
    """Events of one device: seq numbers in order, `at` a minute apart before now."""

    def __init__(self, now: datetime) -> None:
        self.seq = 0
        self.now = now

    def __call__(self, name: str, args: dict, **envelope: Any) -> dict:
        self.seq += 1
        event = {
            "id": str(uuid.uuid4()),
            "device_seq": self.seq,
            "name": name,
            "at": (self.now - timedelta(minutes=90 - self.seq)).isoformat(),
            "hlc": f"{int((self.now - timedelta(minutes=90 - self.seq)).timestamp() * 1000):013d}"
            f"-0000-bench{self.seq:03d}",
            "args": args,
        }
        event.update(envelope)
        return event


def body(device: str, events: list[Any], cursor: str | None = None) -> bytes:
    payload = {"protocol": 1, "device_id": device, "cursor": cursor, "events": events}
    return json.dumps(payload, ensure_ascii=False).encode()


def done(task: str, **extra: Any) -> dict:
    return {"task_id": task, "outcome": "done", "details": {"portion": 100}, **extra}


def scenario() -> list[dict]:
    here = ours_setup.seed_one(40, 0)
    there = ours_setup.seed_one(4, 1)  # another centre, its own carer
    tasks, residents = here["task_ids"], here["resident_ids"]
    now = timezone.now()
    a = Events(now)
    dup_note = str(uuid.uuid4())
    first = [
        a("task.complete", done(tasks[0])),
        a("task.complete", {"task_id": tasks[1], "outcome": "partial", "details": {"portion": 50}}),
        a("task.complete", {"task_id": tasks[2], "outcome": "refused", "reason": "mệt"}),
        a("task.complete", done(tasks[3]), at=(now + timedelta(days=1)).isoformat()),
        a("task.complete", done(tasks[4]), hlc=f"{int(now.timestamp() * 1000) + 36e6:.0f}-0000-x"),
        a("task.complete", done(tasks[5]), hlc="not-a-stamp"),
        a("task.complete", done(tasks[6]), hlc=""),
        a("task.complete", done(str(uuid.uuid4()))),
        a("task.complete", done(there["task_ids"][0])),
        a("task.complete", {"task_id": tasks[7], "outcome": "maybe"}),
        a("task.complete", {"task_id": tasks[8], "outcome": "done", "details": {"portion": 2**70}}),
        a("task.complete", {"task_id": tasks[9], "outcome": "refused", "reason": "a\x00b"}),
        a("task.complete", {"task_id": tasks[10], "outcome": "refused", "reason": "x" * 301}),
        a("task.complete", {"task_id": "not-a-uuid", "outcome": "done"}),
        a("task.complete", done(tasks[11]), at="2026-02-30T10:00:00+07:00"),
        a("task.complete", done(tasks[12]), at="2026-12-01T10:00:00"),
        a("task.fly", {"task_id": tasks[13]}),
        {"device_seq": 999, "name": "task.complete", "at": now.isoformat(), "args": {}},
        a("task.complete", done(tasks[14]), device_seq=1.5),
        "not an object",
        a(
            "note.add",
            {
                "note_id": str(uuid.uuid4()),
                "kind": "observation",
                "text": "Cụ ăn hết suất, ngủ trưa ngon.",
                "resident_id": residents[0],
            },
        ),
        a("note.add", {"note_id": dup_note, "kind": "handover", "text": "Giao ca: ổn."}),
        a("note.add", {"note_id": dup_note, "kind": "handover", "text": "lần hai"}),
        a(
            "note.add",
            {
                "note_id": str(uuid.uuid4()),
                "kind": "observation",
                "text": "khác",
                "resident_id": there["resident_ids"][0],
            },
        ),
        a(
            "note.add",
            {
                "note_id": str(uuid.uuid4()),
                "kind": "incident",
                "text": "a\x00b",
                "resident_id": residents[1],
            },
        ),
        a("note.add", {"note_id": str(uuid.uuid4()), "kind": "gossip", "text": "x"}),
        a("task.complete", done(tasks[15]), hlc="9999999999999-9999-zz"),
    ]
    first.append(dict(first[0]))  # the same event twice in one call
    pusher, second = here["pusher"], here["puller"]
    answers = [post(pusher["token"], body(pusher["device_id"], first))]
    resend = [e for e in first if isinstance(e, dict) and "id" in e][:10]
    more = [a("task.complete", done(t)) for t in tasks[16:24]]
    more.append(a("task.complete", done(tasks[2])))  # the same device corrects its refusal
    answers.append(post(pusher["token"], body(pusher["device_id"], resend + more)))
    b = Events(now)
    b.seq = 50
    conflicting = [
        b("task.complete", {"task_id": tasks[0], "outcome": "refused", "reason": "không ăn"}),
        b("task.complete", {"task_id": tasks[1], "outcome": "done", "details": {"portion": 100}}),
        b("task.complete", done(tasks[2])),
        b("task.complete", done(tasks[16])),
        b("task.complete", {"task_id": tasks[17], "outcome": "skipped", "reason": "ngủ"}),
    ]
    answers.append(post(second["token"], body(second["device_id"], conflicting)))
    raw = body(
        pusher["device_id"],
        [a("task.complete", done(t)) for t in tasks[24:27]],
    ).replace(b'"portion": 100}', b'"portion": NaN}', 1)
    raw = raw.replace(b'"portion": 100}', b'"portion": 1234567890123456789012345}', 1)
    answers.append(post(pusher["token"], raw))
    return [{"answers": answers, "rows": rows(here["facility_id"], [pusher, second])}]


def rows(facility_id: str, devices: list[dict]) -> dict[str, list[dict]]:
    ids = [d["device_id"] for d in devices]
    slots = dict(TaskInstance.objects.filter(facility_id=facility_id).values_list("id", "slot"))
    return {
        "tasks": list(
            TaskInstance.objects.filter(facility_id=facility_id).order_by("slot").values()
        ),
        "notes": list(Note.objects.filter(facility_id=facility_id).order_by("text").values()),
        "changes": list(Change.objects.filter(facility_id=facility_id).order_by("seq").values()),
        "events": list(
            EventLog.objects.filter(device_id__in=ids)
            .order_by("received_at", "device_seq")
            .values()
        ),
        # Opened in one call, conflicts share their time: in the order of their tasks.
        "conflicts": sorted(
            Conflict.objects.filter(facility_id=facility_id).values(),
            key=lambda c: (c["opened_at"], slots.get(c["subject_id"], ""), c["kind"]),
        ),
    }


_PATTERNS = [
    ("id", re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")),
    ("t", re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?")),
    ("hash", re.compile(r"\b[0-9a-f]{64}\b")),
    ("cursor", re.compile(r"\bc3\.[0-9a-z]+\.[A-Za-z0-9_-]{11}(\.[0-9a-z]+)*")),
    ("ms", re.compile(r"\b\d{13}\b")),
]


class Numbering:
    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], str] = {}

    def text(self, value: str) -> str:
        for kind, pattern in _PATTERNS:
            value = pattern.sub(lambda m, k=kind: self.token(k, m[0]), value)
        return value

    def token(self, kind: str, value: str) -> str:
        key = (kind, value.replace("-", "") if kind == "id" else value)
        if key not in self.seen:
            self.seen[key] = f"<{kind}{sum(1 for k in self.seen if k[0] == kind) + 1}>"
        return self.seen[key]

    def walk(self, value: Any) -> Any:
        if isinstance(value, dict):
            # Bigint serial keys differ from run to run; the answer's clock is to the second,
            # so two calls may or may not share it: only that it is there is compared.
            return {
                self.walk(k): "<server_time>" if k == "server_time" else self.walk(v)
                for k, v in value.items()
                if k != "id" or not isinstance(v, int)
            }
        if isinstance(value, list | tuple):
            return [self.walk(v) for v in value]
        if isinstance(value, datetime | date):
            return self.text(value.isoformat())
        if isinstance(value, uuid.UUID | Decimal | memoryview | bytes):
            return self.text(str(value) if not isinstance(value, memoryview) else value.hex())
        if isinstance(value, str):
            return self.text(value)
        return value


def main() -> None:
    out = Numbering().walk(scenario())
    Path(ARGS.out).write_text(json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True))
    answers = out[0]["answers"]
    statuses: dict[str, int] = {}
    for answer in answers:
        for result in answer["body"].get("results", []):
            key = result["status"] + (f":{result['code']}" if result.get("code") else "")
            statuses[key] = statuses.get(key, 0) + 1
    print(f"{ARGS.out}: {len(answers)} calls, results {dict(sorted(statuses.items()))}")


if __name__ == "__main__":
    main()
