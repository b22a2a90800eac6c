"""Hostile input, decided at the edge, per event, before anything reaches the database.

PostgreSQL refuses a NUL character in `text` and `jsonb`, and UTF-8 cannot carry a lone
surrogate; `bigint` stops at 2^63 − 1; Python's json accepts NaN, Infinity and integers of
any length. Any of these inside one event used to fail the call's single transaction, so
the good events behind it never landed. Here each event is judged alone: a bad one is
`rejected` and the rest of the batch goes on (docs/protocol.md, "Limits").
Imports no Django.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 32
MAX_EVENT_BYTES = 64 * 1024
MAX_TEXT_CHARS = 4000
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
# Longer digit strings are not even converted (Python refuses past 4,300 digits anyway).
_MAX_INT_DIGITS = 20
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


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
    """`json.loads`, except that bad numbers become `BadNumber` instead of failing the body.

    Raises ValueError (or RecursionError, for nesting the parser cannot follow) when the
    body as a whole is not JSON."""
    return json.loads(body, parse_constant=_constant, parse_int=_integer)


def _invalid(why: str) -> Problem:
    return Problem("invalid_event", f"Sự kiện không hợp lệ: {why}.")


def _bad_string(text: str) -> bool:
    return "\x00" in text or (not text.isascii() and _BAD_CHARS.search(text) is not None)


def event_problem(raw: Any) -> Problem | None:
    """Why this raw event cannot be stored, or None. Cheap: one walk, one `json.dumps`."""
    if not isinstance(raw, dict):
        return _invalid("mỗi sự kiện phải là một đối tượng JSON")
    longest = 0
    stack: list[tuple[Any, int]] = [(raw, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return _invalid(f"lồng nhau quá {MAX_DEPTH} tầng")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and _bad_string(key):
                    return _invalid("có ký tự NUL hoặc ký tự Unicode hỏng")
                stack.append((item, depth + 1))
        elif isinstance(value, str):
            if _bad_string(value):
                return _invalid("có ký tự NUL hoặc ký tự Unicode hỏng")
            longest = max(longest, len(value))
        elif isinstance(value, BadNumber):
            return _invalid(f"số không hợp lệ ({value.text})")
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if not INT_MIN <= value <= INT_MAX:
                return _invalid("số nguyên vượt quá 64 bit")
        elif isinstance(value, float) and not math.isfinite(value):
            return _invalid("số không hữu hạn")
    size = len(json.dumps(raw, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_EVENT_BYTES:
        return Problem(
            "event_too_large",
            f"Sự kiện quá lớn ({size // 1024} KB; tối đa {MAX_EVENT_BYTES // 1024} KB).",
        )
    if longest > MAX_TEXT_CHARS:
        return Problem("text_too_long", f"Nội dung chữ quá dài (tối đa {MAX_TEXT_CHARS} ký tự).")
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
