"""Device health as tables: the phone's report as the sync call reads it
(server/accounts/services.py) and when a manager should look (server/accounts/rules.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.accounts.rules import (
    CLOCK_SKEW_MAX,
    clock_skew_kept,
    clock_skew_of,
    health_warnings,
)
from server.accounts.services import ClientReport, call_status, client_parse

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "report"),
    [
        ({"version": "a1b2", "queued": 3}, ClientReport("a1b2", 3)),
        ({"version": "x" * 40, "queued": 0}, ClientReport("x" * 40, 0)),
        ({"version": "x" * 41, "queued": 1_000_001}, ClientReport()),
        ({"version": "", "queued": -1}, ClientReport()),
        ({"version": "a\x00b", "queued": True}, ClientReport()),
        ({"version": "bản 1", "queued": 2.0}, ClientReport(None, None)),  # not ASCII, not int
        ({"version": "a\nb", "queued": "3"}, ClientReport()),
        ({"queued": 5}, ClientReport(None, 5)),
        ({"clock": 1_764_590_400_000}, ClientReport(clock_ms=1_764_590_400_000)),
        ({"clock": 2**53 - 1}, ClientReport(clock_ms=2**53 - 1)),
        ({"clock": 2**53}, ClientReport()),
        ({"clock": 0}, ClientReport()),
        ({"clock": -1}, ClientReport()),
        ({"clock": True}, ClientReport()),
        ({"clock": 1.7e12}, ClientReport()),
        ({"clock": "1764590400000"}, ClientReport()),
        ({"clock": 10**30}, ClientReport()),
        ("v1", ClientReport()),
        (None, ClientReport()),
        ([{"version": "v"}], ClientReport()),
    ],
)
def test_a_client_report_keeps_only_what_is_well_formed(value, report):
    assert client_parse(value) == report


@pytest.mark.parametrize(
    ("statuses", "word"),
    [([], "ok"), (["applied", "merged", "conflict"], "ok"), (["applied", "rejected"], "rejected")],
)
def test_one_word_for_a_call(statuses, word):
    assert call_status({"results": [{"status": s} for s in statuses]}) == word


H = timedelta(hours=1)


@pytest.mark.parametrize(
    ("seen_ago", "queued", "queued_ago", "warnings"),
    [
        (None, None, None, []),  # never synced: nothing known to warn about
        (H, 0, None, []),
        (25 * H, 0, None, ["stale"]),
        (24 * H, 0, None, []),
        (H, 3, 2 * H, ["queued_long"]),
        (H, 3, H / 2, []),
        (48 * H, 3, 48 * H, ["stale", "queued_long"]),
    ],
)
def test_when_a_manager_should_look(seen_ago, queued, queued_ago, warnings):
    assert (
        health_warnings(
            last_seen_at=NOW - seen_ago if seen_ago else None,
            queued=queued,
            queued_since=NOW - queued_ago if queued_ago else None,
            now=NOW,
        )
        == warnings
    )


@pytest.mark.parametrize(
    ("skew", "warned"),
    [
        (None, False),
        (0, False),
        (300, False),
        (-300, False),
        (301, True),
        (-301, True),
        (CLOCK_SKEW_MAX, True),
    ],
)
def test_a_clock_over_five_minutes_off_is_warned(skew, warned):
    warnings = health_warnings(
        last_seen_at=NOW, queued=0, queued_since=None, now=NOW, clock_skew=skew
    )
    assert ("clock" in warnings) is warned


def test_a_clock_reading_is_the_phone_minus_the_server_in_seconds_within_the_column():
    server_ms = int(NOW.timestamp() * 1000)
    assert clock_skew_of(server_ms, NOW) == 0
    assert clock_skew_of(server_ms - 2 * 86400_000, NOW) == -2 * 86400
    assert clock_skew_of(server_ms + 10_800_400, NOW) == 10_800
    assert clock_skew_of(2**53 - 1, NOW) == CLOCK_SKEW_MAX
    assert clock_skew_of(1, NOW) == round(0.001 - NOW.timestamp())


@pytest.mark.parametrize(
    ("kept", "new", "written"),
    [(None, 0, 0), (0, 2, None), (0, 60, None), (0, 61, 61), (10_800, 3, 3), (-5, -70, -70)],
)
def test_a_clock_reading_within_a_minute_of_the_kept_one_is_not_written(kept, new, written):
    assert clock_skew_kept(kept, new) == written
