"""The hybrid logical clock: monotonic, follows remote stamps, bounded drift, string order."""

from __future__ import annotations

import pytest

from sync.protocol import MAX_COUNTER, HybridClock, Stamp, is_valid


class Wall:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def test_it_is_monotonic_when_the_wall_clock_stands_still_or_goes_back():
    wall = Wall(1_700_000_000_000)
    clock = HybridClock("a", wall=wall)
    stamps = [clock.now()]
    stamps.append(clock.now())
    wall.ms -= 5_000  # NTP stepped the phone's clock back
    stamps.append(clock.now())
    wall.ms += 10_000
    stamps.append(clock.now())
    assert stamps == sorted(stamps) and len(set(stamps)) == 4
    assert [s.counter for s in stamps] == [0, 1, 2, 0]


def test_it_moves_past_a_received_stamp():
    clock = HybridClock("a", wall=Wall(1_000_000))
    remote = Stamp(1_000_500, 7, "b")
    after = clock.receive(remote)
    assert after > remote and (after.millis, after.counter) == (1_000_500, 8)
    assert clock.now() > after


def test_it_refuses_to_follow_a_stamp_too_far_in_the_future():
    wall = Wall(1_000_000)
    clock = HybridClock("a", wall=wall, max_drift_ms=60_000)
    after = clock.receive(Stamp(1_000_000 + 3_600_000, 0, "liar"))
    assert after.millis == 1_000_000
    within = clock.receive(Stamp(1_000_000 + 30_000, 3, "b"))
    assert within.millis == 1_030_000 and within.counter == 4


@pytest.mark.parametrize(
    "a,b",
    [
        (Stamp(999, 0, "z"), Stamp(1000, 0, "a")),
        (Stamp(1000, 9, "z"), Stamp(1000, 10, "a")),
        (Stamp(1000, 10, "a"), Stamp(1000, 10, "b")),
        (Stamp(9_999_999_999_999, 9999, "z"), Stamp(10_000_000_000_000 - 1, 9999, "zz")),
    ],
)
def test_its_strings_order_like_its_stamps(a, b):
    assert a < b
    assert a.encode() < b.encode()
    assert Stamp.parse(a.encode()) == a


def test_it_parses_only_well_formed_stamps():
    assert is_valid("1700000000000-0001-node-with-dash")
    assert Stamp.parse("1700000000000-0001-node-with-dash").node == "node-with-dash"
    for bad in ["", "170-0001-a", "1700000000000-1-a", "1700000000000-0001-", None]:
        assert not is_valid(bad)


def test_it_overflows_loudly_rather_than_repeat_a_stamp():
    clock = HybridClock("a", wall=Wall(5))
    clock._last = Stamp(5, MAX_COUNTER, "a")
    with pytest.raises(OverflowError):
        clock.now()
