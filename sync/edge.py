"""What a push answers before any handler decides (sync/push.py decides the rest): hostile
input, an envelope that does not validate, and a repeat of an id already logged.

**Hostile input**, per event, before anything reaches the database. PostgreSQL refuses a NUL
character in `text` and `jsonb`, and UTF-8 cannot carry a lone surrogate; `bigint` stops at
2^63 − 1; Python's json accepts NaN, Infinity and integers of any length. Any of these inside
one event used to fail the call's single transaction, so the good events behind it never
landed. So the body's parser keeps what it cannot store (`body_parse`, `BadNumber`), and
each event is judged alone (`event_problem`): a bad one is `rejected`, quarantined in a
printable copy (`invalid_envelope`, `printable`), and the rest of the batch goes on
(docs/protocol.md, "Limits").

**Repeats**: the payload digest that tells a resend (a lost response) from an id reused for
another content (`event_hash`, `same_payload`), the event log rows of the call's ids
(`logged`, one statement), and the answer to each (`repeat`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError

from sync.models import EventLog
from sync.protocol import EventIn, EventResult, payload_digest, payload_hash
from sync.rows import LogRow

MAX_DEPTH = 32
MAX_EVENT_BYTES = 64 * 1024
MAX_TEXT_CHARS = 4000
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
# Longer digit strings are not even converted (Python refuses past 4,300 digits anyway).
_MAX_INT_DIGITS = 20
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
# orjson reads an integer past 64 bits as a float, which would pass as a number: a body with
# 19 digits in a row anywhere (a string too) takes the json path, whose answer is exact.
# (Every digit made "0", then one substring search: a regex took longer than the parse.)
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS = b"0" * 19
# Bytes of JSON any scalar can take (a float's repr is at most 24, an allowed integer 20).
_SCALAR_BYTES = 24


@dataclass(frozen=True)
class BadNumber:
    """NaN, ±Infinity or an over-long integer, kept by the parser for the event to be judged."""

    text: str


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


def _constant(text: str) -> BadNumber:
    return BadNumber(text)


def _integer(text: str) -> int | BadNumber:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        return BadNumber(text[:24] + "…")
    return int(text)


def body_parse(body: bytes) -> Any:
    """The body as Python values; bad numbers become `BadNumber` instead of failing it.

    orjson reads the ordinary body (several times faster than json). Whatever it refuses —
    NaN, Infinity, a lone surrogate, a UTF-16 body or a byte-order mark, nesting past 1,024
    — and every body with an integer that may not fit 64 bits is read again by json with
    hooks, so each of those gets exactly the answer it always had (docs/security.md).
    Raises ValueError (or RecursionError, for nesting the parser cannot follow) when the
    body as a whole is not JSON."""
    if _LONG_DIGITS not in body.translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return json.loads(body, parse_constant=_constant, parse_int=_integer)


def _invalid(why: str) -> Problem:
    return Problem("invalid_event", _("Sự kiện không hợp lệ: %(why)s.") % {"why": why})


def _bad_string(text: str) -> bool:
    return "\x00" in text or (not text.isascii() and _BAD_CHARS.search(text) is not None)


def event_problem(raw: Any) -> Problem | None:
    """Why this raw event cannot be stored, or None. One walk; the event is serialized (to
    measure it) only when the walk's upper bound of its size passes the limit."""
    if not isinstance(raw, dict):
        return _invalid(_("mỗi sự kiện phải là một đối tượng JSON"))
    longest = 0
    # No string is more than 6 bytes a character in JSON (`\u0000`), quotes aside.
    bound = 0
    stack: list[tuple[Any, int]] = [(raw, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        value, depth = pop()
        kind = type(value)
        # The parser's own types first, judged in place (a push walks ~8,000 values): the
        # same checks, in the same order, as the isinstance chain below that follows them.
        if kind is str:
            if "\x00" in value or (not value.isascii() and _BAD_CHARS.search(value) is not None):
                return _invalid(_("có ký tự NUL hoặc ký tự Unicode hỏng"))
            size = len(value)
            if size > longest:
                longest = size
            bound += 6 * size + 2
        elif kind is int:
            if not INT_MIN <= value <= INT_MAX:
                return _invalid(_("số nguyên vượt quá 64 bit"))
            bound += _SCALAR_BYTES
        elif kind is dict or kind is list or isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return _invalid(_("lồng nhau quá %(depth)s tầng") % {"depth": MAX_DEPTH})
            bound += 2 + 2 * len(value)  # brackets, commas and colons
            items = value.items() if isinstance(value, dict) else enumerate(value)
            below = depth + 1
            for key, item in items:
                if type(key) is str or isinstance(key, str):
                    if _bad_string(key):
                        return _invalid(_("có ký tự NUL hoặc ký tự Unicode hỏng"))
                    bound += 6 * len(key) + 2
                push((item, below))
        elif isinstance(value, str):
            if _bad_string(value):
                return _invalid(_("có ký tự NUL hoặc ký tự Unicode hỏng"))
            longest = max(longest, len(value))
            bound += 6 * len(value) + 2
        elif isinstance(value, BadNumber):
            return _invalid(_("số không hợp lệ (%(number)s)") % {"number": value.text})
        elif isinstance(value, bool):
            bound += _SCALAR_BYTES
        elif isinstance(value, int):
            if not INT_MIN <= value <= INT_MAX:
                return _invalid(_("số nguyên vượt quá 64 bit"))
            bound += _SCALAR_BYTES
        elif isinstance(value, float) and not math.isfinite(value):
            return _invalid(_("số không hữu hạn"))
        else:
            bound += _SCALAR_BYTES
    if bound > MAX_EVENT_BYTES:
        # Compact UTF-8, as json.dumps(ensure_ascii=False) writes it; clean values only here.
        size = len(orjson.dumps(raw))
        if size > MAX_EVENT_BYTES:
            return Problem(
                "event_too_large",
                _("Sự kiện quá lớn (%(size)s KB; tối đa %(limit)s KB).")
                % {"size": size // 1024, "limit": MAX_EVENT_BYTES // 1024},
            )
    if longest > MAX_TEXT_CHARS:
        return Problem(
            "text_too_long",
            _("Nội dung chữ quá dài (tối đa %(limit)s ký tự).") % {"limit": MAX_TEXT_CHARS},
        )
    return None


def printable(value: Any, *, depth: int = 0) -> Any:
    """A copy of `value` that any database and any JSON encoder accept, for the quarantine:
    bad characters become U+FFFD, bad numbers their text, long text and deep nesting cut."""
    if isinstance(value, str):
        return _BAD_CHARS.sub("\ufffd", value[:MAX_TEXT_CHARS])
    if isinstance(value, BadNumber):
        return value.text
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if INT_MIN <= value <= INT_MAX else str(value)[:24]
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth >= MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        return {printable(str(k)): printable(v, depth=depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [printable(v, depth=depth + 1) for v in value]
    return printable(str(value))


# Repeats and invalid envelopes: what the event log already holds, and what it keeps.

ID_REUSE = gettext_lazy("Mã sự kiện đã được dùng cho một nội dung khác.")
INVALID = "invalid"  # the payload hash of a quarantined invalid event: its content is not trusted


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in err["loc"]), "error": err["type"], "message": err["msg"]}
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def event_hash(event: EventIn, device_id: UUID | str, args_json: bytes) -> str:
    # The device's id as text: the caller may give it made once per call (UUID.__str__ is
    # Python code, and a push hashes 500 events of one device).
    return payload_digest(
        name=event.name,
        args_json=args_json,
        at=event.at.isoformat(),
        device_id=str(device_id),
        device_seq=event.device_seq,
    )


def same_payload(stored: str, digest: str, event: EventIn, device_id: UUID | str) -> bool:
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
