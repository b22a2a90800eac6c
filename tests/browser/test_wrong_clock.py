"""A phone whose clock is wrong is told so, and how to set it (mobile_client/js/clock.js):
after a sync from the server's time, and offline from the latest server time it has seen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from server.accounts.models import Device
from tests.browser.conftest import artifacts, login, new_phone, phone_ready

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_right_clock_shows_no_warning(asgi_server, ward, chromium):
    context, page = phone_ready(chromium, asgi_server.url, ward)
    assert page.query_selector("[data-clock]") is None
    context.close()


def test_a_clock_days_behind_is_told_after_a_sync(asgi_server, ward, chromium):
    context, page = new_phone(chromium)
    page.clock.set_fixed_time(timezone.now() - timedelta(days=2, minutes=3))
    login(page, asgi_server.url, "carer")
    page.wait_for_selector("[data-clock=behind]")
    text = page.inner_text("[data-clock]")
    assert "Đồng hồ của máy đang chậm 2 ngày so với máy chủ." in text
    assert "Cài đặt → Ngày và giờ → Tự động" in text
    page.screenshot(path=str(artifacts() / "clock-behind.png"))
    # The phone's report tells its managers too (the devices list, the board).
    skew = Device.objects.get(clock_skew__isnull=False).clock_skew
    assert abs(skew + (2 * 86400 + 180)) <= 60, skew
    context.close()


def test_a_clock_ahead_is_told_in_hours(asgi_server, ward, chromium):
    context, page = new_phone(chromium)
    page.clock.set_fixed_time(timezone.now() + timedelta(hours=3, minutes=2))
    login(page, asgi_server.url, "carer")
    page.wait_for_selector("[data-clock=ahead]")
    assert "Đồng hồ của máy đang nhanh 3 giờ so với máy chủ." in page.inner_text("[data-clock]")
    context.close()


def test_offline_a_clock_reset_behind_what_the_server_gave_is_told(asgi_server, ward, chromium):
    context, page = phone_ready(chromium, asgi_server.url, ward)
    assert page.query_selector("[data-clock]") is None

    # The battery ran flat: the phone starts again on an old date, with no network.
    context.set_offline(True)
    asgi_server.stop()
    page.clock.set_fixed_time(timezone.now() - timedelta(days=400))
    page.reload()
    page.wait_for_selector("[data-clock=behind]")
    assert "Đồng hồ của máy đang chậm 400 ngày so với máy chủ." in page.inner_text("[data-clock]")
    page.screenshot(path=str(artifacts() / "clock-reset-offline.png"))
    asgi_server.start()
    context.close()
