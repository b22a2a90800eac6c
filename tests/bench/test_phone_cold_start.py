"""The phone cold-start bench's own figures: the bytes it reports as sent are the ones the
budget test counts, and the phone's clock it sets is the morning round in Vietnam."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import phone_cold_start as bench  # noqa: E402

CLIENT = Path(__file__).resolve().parents[2] / "mobile_client"


@pytest.mark.django_db(transaction=True)
def test_it_reports_the_gzip_bodies_the_server_sends_for_the_js_and_css(live_server, client):
    expected = sum(
        len(
            client.get(
                f"/app/{p.relative_to(CLIENT).as_posix()}", HTTP_ACCEPT_ENCODING="gzip"
            ).content
        )
        for p in sorted(CLIENT.rglob("*"))
        if p.suffix in {".js", ".css"}
    )
    sent = bench.sent_bytes(live_server.url)
    assert sent == expected
    assert sent < bench.shipped_bytes()[2] / 2  # compressed, not the raw files


@pytest.mark.parametrize("at", ["06:50", "21:15", "00:05"])
def test_it_moves_the_phone_clock_to_today_at_the_given_time_in_vietnam(at):
    zone = ZoneInfo(bench.ZONE)
    offset = bench.clock_offset_ms(at)
    now = datetime.now(zone)
    hour, minute = (int(x) for x in at.split(":"))
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    # Rounded to the millisecond and read a moment later: within a second, not to the minute.
    assert abs(now + timedelta(milliseconds=offset) - target) < timedelta(seconds=1)
