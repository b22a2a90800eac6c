"""The engine's per-event shortcuts answer exactly what the plain code answered: the hostile
input walk (`event_problem`), the HLC receipt (`stamp_receive`), the keys preloaded objects
are found by (`HandlerContext.preloaded`)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from sync.edge import MAX_DEPTH, BadNumber, event_problem
from sync.protocol import Stamp, stamp_receive
from sync.registry import HandlerContext, PreloadContext


class Text(str):
    """A str that is not exactly a str: judged by the same rules."""


def deep(levels: int) -> list:
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    "args, code, words",
    [
        # Two problems: the walk meets the later key's first (a stack), whichever it is.
        ({"a": "x\x00", "b": deep(MAX_DEPTH + 2)}, "invalid_event", "lồng nhau"),
        ({"a": deep(MAX_DEPTH + 2), "b": "x\x00"}, "invalid_event", "NUL"),
        ({"a": BadNumber("NaN"), "b": 2**63}, "invalid_event", "64 bit"),
        ({"a": 2**63, "b": BadNumber("NaN")}, "invalid_event", "NaN"),
        ({"n": 2**63 - 1, "m": -(2**63), "t": True, "f": 1.5, "z": None}, None, None),
        ({"s": Text("x\x00")}, "invalid_event", "NUL"),
        ({Text("k\ud800"): 1}, "invalid_event", "NUL"),
        ({"s": "a" * 4001}, "text_too_long", None),
        ({"s": Text("a" * 4001)}, "text_too_long", None),
        ({"s": ["a" * 4000] * 3}, None, None),
    ],
)
def test_the_walk_answers_as_it_did(args, code, words):
    problem = event_problem({"id": str(uuid.uuid4()), "name": "note.add", "args": args})
    assert (problem.code if problem else None) == code
    if words:
        assert words in problem.message


def test_a_stamp_ahead_is_clamped_keeping_its_counter_and_node():
    wall = 1_800_000_000_000
    assert stamp_receive(f"{wall + 301_000}-0042-ab12", wall_ms=wall, max_drift_ms=300_000) == (
        Stamp(wall, 42, "ab12").encode(),
        True,
    )
    honest = f"{wall + 299_000}-0042-ab12"
    assert stamp_receive(honest, wall_ms=wall, max_drift_ms=300_000) == (honest, False)
    for bad in ("", "garbage", f"{wall}-42-ab12", f"{wall}-0042-", None, 12):
        assert stamp_receive(bad, wall_ms=wall, max_drift_ms=300_000) == ("", False)  # type: ignore[arg-type]


class Row:
    def __init__(self, pk) -> None:
        self.pk = pk


def test_a_preloaded_object_is_found_by_its_key_or_the_key_s_text():
    batch: dict = {}
    ctx = SimpleNamespace(batch=batch)
    key = uuid.uuid4()
    row, numbered = Row(key), Row(7)
    PreloadContext(None, key, frozenset(), batch).keep([row, numbered])
    found = HandlerContext.preloaded
    assert found(ctx, Row, key) is row  # type: ignore[arg-type]
    assert found(ctx, Row, str(key)) is row  # type: ignore[arg-type]
    # Text that only names the UUID another way was never the key: still not found.
    assert found(ctx, Row, str(key).upper()) is None  # type: ignore[arg-type]
    assert found(ctx, Row, key.hex) is None  # type: ignore[arg-type]
    assert found(ctx, Row, 7) is numbered  # type: ignore[arg-type]
    assert found(ctx, Row, "7") is numbered  # type: ignore[arg-type]
    assert found(ctx, Row, uuid.uuid4()) is None  # type: ignore[arg-type]
