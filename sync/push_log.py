"""What a push answers and logs without running a handler: an envelope that does not
validate, a repeat of an id already decided, and the payload digest that tells the two
kinds of repeat apart (sync/push.py decides the rest)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError

from sync.edge import Problem, printable
from sync.models import EventLog
from sync.protocol import EventIn, EventResult, payload_digest, payload_hash
from sync.rows import LogRow

ID_REUSE = gettext_lazy("Mã sự kiện đã được dùng cho một nội dung khác.")
INVALID = "invalid"  # the payload hash of a quarantined invalid event: its content is not trusted


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in err["loc"]), "error": err["type"], "message": err["msg"]}
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def event_hash(event: EventIn, device_id: UUID, args_json: bytes) -> str:
    return payload_digest(
        name=event.name,
        args_json=args_json,
        at=event.at.isoformat(),
        device_id=str(device_id),
        device_seq=event.device_seq,
    )


def same_payload(stored: str, digest: str, event: EventIn, device_id: UUID) -> bool:
    """Whether a stored event says what this one says; rows logged before `payload_digest`
    hold the older digest, computed only then (a repeat is rare)."""
    if stored == digest:
        return True
    legacy = payload_hash(
        name=event.name,
        args=event.args,
        at=event.at.isoformat(),
        device_id=str(device_id),
        device_seq=event.device_seq,
    )
    return stored == legacy


class Logged(NamedTuple):
    """What a repeat is answered from: an event's stored log row, or its row of this call."""

    id: UUID
    status: str
    payload_hash: str
    result: dict[str, Any]


def logged(ids: list[UUID]) -> dict[UUID, Logged]:
    """The stored EventLog rows of these event ids (one statement, the ids as one array:
    Django's `IN` would bind and quote 500 of them one by one)."""
    if not ids:
        return {}
    if connection.vendor != "postgresql":
        rows = EventLog.objects.filter(id__in=ids).values_list(*Logged._fields)
        return {row[0]: Logged(*row) for row in rows}
    field = EventLog._meta.get_field("result")
    column = field.get_col(EventLog._meta.db_table)
    table = connection.ops.quote_name(EventLog._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "id", "status", "payload_hash", "result" FROM {table} WHERE "id" = ANY(%s)',
            [ids],
        )
        rows = cursor.fetchall()
    # The result column as the ORM gives it: its JSON decoded by the field.
    return {
        row[0]: Logged(row[0], row[1], row[2], field.from_db_value(row[3], column, connection))
        for row in rows
    }


def uuid_of(raw: Any) -> UUID | None:
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    try:
        return UUID(raw_id) if isinstance(raw_id, str) else None
    except ValueError:
        return None


def repeat(event_id: UUID, seen: Any, *, same: bool) -> EventResult:
    """The answer to an id seen before: its first result again, or id_reuse."""
    if not same:
        return EventResult(
            id=str(event_id), status="rejected", code="id_reuse", message=str(ID_REUSE)
        )
    original = dict(seen.result)
    original.pop("id", None)
    original["status"] = "duplicate"
    original["original_status"] = seen.status
    return EventResult.model_validate({"id": str(event_id), **original})


def invalid_envelope(
    raw: Any,
    error: ValidationError | Problem | None,
    *,
    device_id: UUID,
    user_id: Any,
    received_at: datetime,
    known: dict[UUID, Any],
) -> tuple[EventResult, LogRow | None]:
    """The answer to an event whose envelope failed, and its quarantine row when it has an
    id to be found by (a resend must find that row); None when there is no row to write."""
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    problem = error if isinstance(error, Problem) else None
    result = EventResult(
        id=printable(str(raw_id))[:64] if raw_id is not None else None,
        status="rejected",
        code=problem.code if problem else "invalid_event",
        message=problem.message if problem else _("Sự kiện thiếu hoặc sai trường bắt buộc."),
        details=validation_details(error) if isinstance(error, ValidationError) else None,
    )
    event_id = uuid_of(raw)
    if event_id is None:
        return result, None  # nothing to key it by: it cannot be stored nor deduplicated
    if event_id in known:
        # A resent invalid event (a lost response) is a duplicate of its first rejection.
        seen = known[event_id]
        same = seen.payload_hash == INVALID and seen.result == result.wire()
        return repeat(event_id, seen, same=same), None
    seq = raw.get("device_seq")
    args = raw.get("args")
    if problem is not None and problem.code == "event_too_large":
        kept: Any = {}  # the limit is what is stored, too
    else:
        kept = printable(args if isinstance(args, dict) else {"raw": raw})
    row = LogRow(
        id=event_id,
        device_id=device_id,
        device_seq=seq if isinstance(seq, int) and 0 <= seq < 2**63 else 0,
        user_id=user_id,
        name=printable(str(raw.get("name", "")))[:60],
        args=kept,
        at=received_at,
        hlc=printable(str(raw.get("hlc", "")))[:40],
        received_at=received_at,
        status="rejected",
        code=result.code or "invalid_event",
        message=result.message or "",
        payload_hash=INVALID,
        result=result.wire(),
    )
    return result, row
