"""The reference client encodes a chunk once and reads its outbox by orjson where orjson gives
what json gives (sync/client/transport.py, `json_dump`, `json_load`): the same values, the
same body on the wire, and json's answer wherever orjson would differ."""

from __future__ import annotations

import gzip
import json
import math

import pytest

from sync.client.transport import SyncReport, Transport, json_dump, json_load

HOSTILE_VALUES = [
    {"task_id": "t", "outcome": "done", "details": {"portion": 100}},
    {"text": 'Cụ ăn hết suất \x00 \x1f \x7f \u2028 😀 "q" \\ /', "n": -0.0, "f": 1e-07},
    {"big": 2**64, "neg": -(2**63) - 1, "edge": 2**63 - 1},
    {"nan": math.nan, "inf": math.inf, "minus": -math.inf},
    {"none": None, "list": [1, 2.5, True, False, None]},
    {1: "an integer key", "x": {2: 3}},
    {"deep": [[[[[[[[[[{"a": [1]}]]]]]]]]]]},
    [],
    "",
]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_json_dump_writes_the_json_that_json_writes(value):
    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    got = json_dump(value)
    # Floats may be spelled differently (1e-7 for 1e-07): the same JSON value.
    assert json.loads(got) == json.loads(expected) or (
        # NaN is never equal to itself: compare the text json writes for it.
        got == expected
    )
    if "nan" in str(value).lower() or "inf" in str(value):
        assert got == expected  # NaN and Infinity are written by json, as before


def test_json_dump_of_a_lone_surrogate_fails_as_json_does():
    with pytest.raises(UnicodeEncodeError):
        json_dump({"text": "\ud800"})


HOSTILE_TEXTS = [
    '{"a": 1}',
    '{"n": 12345678901234567890123}',
    '{"n": 1234567890123456789, "s": "0000000000000000000"}',
    '{"n": NaN, "i": Infinity, "m": -Infinity}',
    '{"s": "\\ud800"}',
    '{"a": 1, "a": 2}',
    '{"f": 1e400}',
    '{"f": 1e-07, "z": -0.0}',
    '{"t": "C\\u1ee5 \\u0103n"}',
    "[" * 2000 + "]" * 2000,
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_json_load_reads_what_json_reads(text):
    try:
        expected = json.loads(text)
    except RecursionError:
        with pytest.raises(RecursionError):
            json_load(text)
        return
    got = json_load(text)
    assert repr(got) == repr(expected)  # repr: the same types, and NaN equal to itself
    assert repr(json_load(text.encode())) == repr(expected)


@pytest.mark.parametrize("raw", [b"", b"\xff", b"not json", b"\xef\xbb\xbf{}"])
def test_json_load_fails_or_reads_as_json_does(raw):
    try:
        expected = json.loads(raw)
    except ValueError as exc:
        with pytest.raises(type(exc)):
            json_load(raw)
    else:
        assert json_load(raw) == expected


class _Line:
    """Keeps the bytes a sync call would send, answers an empty push."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def post(self, url, data, headers):  # type: ignore[no-untyped-def]
        self.sent.append(gzip.decompress(data) if headers.get("Content-Encoding") else data)
        return 200, {}, b'{"results":[],"changes":[],"cursor":null,"more":false}'


@pytest.mark.parametrize("value", HOSTILE_VALUES[:5])
@pytest.mark.parametrize("cursor", [None, "c3.abc.def.1.0"])
def test_the_body_sent_with_its_events_encoded_before_is_the_same_bytes(value, cursor):
    body = {
        "protocol": 1,
        "device_id": "d",
        "cursor": cursor,
        "events": [{"id": "e", "device_seq": 1, "name": "x", "args": {"v": value}}] * 3,
    }
    sent = []
    for events_json in (None, json_dump(body["events"])):
        transport = Transport("http://127.0.0.1:1", max_attempts=1)
        transport.line = line = _Line()  # type: ignore[assignment]
        transport.sync_post(body, "tok", SyncReport(), events_json=events_json)
        sent.append(line.sent[0])
    assert json.loads(sent[1]) == json.loads(sent[0]) or sent[1] == sent[0]
    if not any(isinstance(v, float) for v in (value.values() if isinstance(value, dict) else [])):
        assert sent[1] == sent[0]
