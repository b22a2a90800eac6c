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

import orjson
from django.utils.translation import gettext as _

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
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return _invalid(_("lồng nhau quá %(depth)s tầng") % {"depth": MAX_DEPTH})
            bound += 2 + 2 * len(value)  # brackets, commas and colons
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    if _bad_string(key):
                        return _invalid(_("có ký tự NUL hoặc ký tự Unicode hỏng"))
                    bound += 6 * len(key) + 2
                stack.append((item, depth + 1))
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
