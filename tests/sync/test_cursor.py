"""The cursor is opaque but small: it travels twice in every no-op sync on a metered link."""

from __future__ import annotations

import base64
import json

import pytest

from sync.protocol import Cursor

ORDER = ["0b6f…a", "9c1d…b"]


def test_it_round_trips_positions_and_floors_in_scope_order():
    cursor = Cursor(
        scope="abcdef0123456789",
        positions={ORDER[0]: 1234, ORDER[1]: 7},
        floor={ORDER[0]: 1000, ORDER[1]: 0},
    )
    token = cursor.encode(ORDER)
    assert token == "c1.abcdef0123456789.1234.1000.7.0"
    assert Cursor.decode(token, ORDER) == cursor


def test_it_stays_under_48_bytes_for_one_facility_with_large_sequence_numbers():
    token = Cursor(scope="abcdef0123456789", positions={"f": 10**9}, floor={"f": 10**9}).encode(
        ["f"]
    )
    assert len(token) < 48


def test_it_still_reads_the_base64_cursors_of_the_first_builds():
    legacy = (
        base64.urlsafe_b64encode(
            json.dumps({"s": "abcdef0123456789", "p": {ORDER[0]: 5}, "f": {ORDER[0]: 3}}).encode()
        )
        .decode()
        .rstrip("=")
    )
    assert Cursor.decode(legacy, ORDER) == Cursor(
        scope="abcdef0123456789", positions={ORDER[0]: 5}, floor={ORDER[0]: 3}
    )


def test_it_gives_a_cursor_of_another_scope_shape_no_scope_so_the_server_asks_for_a_reset():
    token = Cursor(scope="abcdef0123456789", positions={"f": 1}, floor={"f": 1}).encode(["f"])
    assert Cursor.decode(token, ORDER).scope == ""


@pytest.mark.parametrize("junk", ["c1.abc.1", "c1.abc.x.1", "c1.abc.-1.0", "not a cursor", ""])
def test_it_refuses_junk(junk):
    with pytest.raises((ValueError, KeyError, TypeError)):
        Cursor.decode(junk, ["f"])


def test_it_carries_the_database_epoch_after_the_version_in_base64_and_base_36():
    cursor = Cursor(
        scope="abcdef0123456789", epoch="3f2a9c", positions={"f": 2000}, floor={"f": 35}
    )
    token = cursor.encode(["f"])
    assert token == "c3.3f2a9c.q83vASNFZ4k.1jk.z"
    assert Cursor.decode(token, ["f"]) == cursor


def test_it_still_reads_the_decimal_cursors_of_the_builds_before_base_36():
    cursor = Cursor(scope="abcdef0123456789", epoch="3f2a9c", positions={"f": 5}, floor={"f": 2})
    assert Cursor.decode("c2.3f2a9c.abcdef0123456789.5.2", ["f"]) == cursor


def test_it_round_trips_the_largest_sequence_number_and_refuses_one_past_it():
    top = 2**63 - 1
    cursor = Cursor(scope="abcdef0123456789", epoch="3f2a9c", positions={"f": top}, floor={"f": 0})
    assert Cursor.decode(cursor.encode(["f"]), ["f"]) == cursor
    past = cursor.encode(["f"]).replace("1y2p0ij32e8e7", "1y2p0ij32e8e8")
    with pytest.raises(ValueError):
        Cursor.decode(past, ["f"])


def test_a_no_op_cursor_for_one_facility_is_27_bytes():
    cursor = Cursor(
        scope="8370a765c8db4b55", epoch="f39f7c", positions={"f": 200}, floor={"f": 200}
    )
    assert len(cursor.encode(["f"])) == 27  # was 36 as c2


@pytest.mark.parametrize(
    "junk",
    [
        "c3.3f2a9c.q83vASNFZ4k.1jk",
        "c3.3f2a9c.q83vASNFZ4.1.0",
        "c3.3f2a9c.q83vASNFZ4k.-1.0",
        "c3.3f2a9c.q83vASNFZ4k.A.0",
        "c3.3f2a9c.q83vASNFZ4k. 1.0",
        "c3..q83vASNFZ4k.1.0",
        "c3.3f2a9c.q83vASNFZ4k.11111111111111.0",
    ],
)
def test_it_refuses_a_junk_c3_cursor(junk):
    with pytest.raises((ValueError, KeyError, TypeError)):
        Cursor.decode(junk, ["f"])


def test_it_reads_a_cursor_from_before_the_epoch_as_epoch_unknown():
    assert Cursor.decode("c1.abcdef0123456789.5.2", ["f"]).epoch == ""


@pytest.mark.parametrize("junk", ["c2..abc.1.0", "c2.AB\x00.abc.1.0", "c2.3f2a9c.abc.1", "c2.x"])
def test_it_refuses_a_junk_epoch(junk):
    with pytest.raises((ValueError, KeyError, TypeError)):
        Cursor.decode(junk, ["f"])
