"""The dashboard's "Thiết bị" section: each phone's health as its last sync call left it, in the
socket's snapshot and on the page (a screenshot at 360×740 goes to test-artifacts/)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from server.accounts.models import Device
from tests.live.test_dashboard_browser import CHROMIUM_ARGS, phone_login
from tests.live.test_dashboard_socket import open_dashboard, token_for
from tests.personas import make_centre

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _report(client, device_id: str, version: str, queued: int) -> None:
    body = {"protocol": 1, "device_id": device_id, "cursor": None, "events": []}
    response = client.post(
        "/api/sync/v1", json={**body, "client": {"version": version, "queued": queued}}
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def phones(asgi_server):
    """Three phones of the centre: one healthy, one silent for two days with entries queued
    since and its clock three hours ahead, one revoked."""
    centre = make_centre()
    ids = {}
    for name, username, queued in [
        ("ok", "carer", 0),
        ("silent", "nurse", 7),
        ("gone", "kitchen", 0),
    ]:
        client, device_id = phone_login(asgi_server, username)
        _report(client, device_id, f"v-{name}", queued)
        ids[name] = device_id
    long_ago = timezone.now() - timedelta(days=2)
    Device.objects.filter(id=ids["ok"]).update(name="Máy khu A")
    Device.objects.filter(id=ids["silent"]).update(
        name="Máy điều dưỡng", last_seen_at=long_ago, queued_since=long_ago, clock_skew=3 * 3600
    )
    Device.objects.filter(id=ids["gone"]).update(name="Máy bếp cũ", revoked_at=timezone.now())
    return centre, ids


@pytest.mark.django_db(transaction=True)
async def test_the_snapshot_carries_each_phones_health(phones):
    centre, ids = phones
    comm = await open_dashboard(
        centre.facility.id, await database_sync_to_async(token_for)("manager")
    )
    assert (await comm.receive_json_from(timeout=3))["type"] == "ready"
    snapshot = await comm.receive_json_from(timeout=5)
    devices = snapshot["sections"]["devices"]
    assert devices[ids["ok"]]["last_user"] == "Người carer"
    assert devices[ids["ok"]]["app_version"] == "v-ok"
    assert devices[ids["ok"]]["warnings"] == []
    assert devices[ids["silent"]]["warnings"] == ["stale", "queued_long", "clock"]
    assert devices[ids["silent"]]["queued"] == 7
    assert devices[ids["gone"]]["revoked"] is True
    await comm.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_sync_call_moves_its_phone_on_open_boards(phones, make_api):
    centre, ids = phones
    comm = await open_dashboard(
        centre.facility.id, await database_sync_to_async(token_for)("manager")
    )
    assert (await comm.receive_json_from(timeout=3))["type"] == "ready"
    snapshot = await comm.receive_json_from(timeout=5)
    assert snapshot["sections"]["devices"][ids["silent"]]["warnings"] == [
        "stale",
        "queued_long",
        "clock",
    ]
    # The silent phone speaks again with its queue sent and its clock set right (in this
    # process, so through the channel layer this board listens on): a delta, not a snapshot.
    phone = make_api()
    await database_sync_to_async(phone.login)("nurse", device_id=ids["silent"])
    body = {"protocol": 1, "device_id": ids["silent"], "cursor": None, "events": []}
    response = await database_sync_to_async(phone.post)(
        "/api/sync/v1",
        {**body, "client": {"version": "v-new", "queued": 0, "clock": int(time.time() * 1000)}},
    )
    assert response.status_code == 200
    delta = await comm.receive_json_from(timeout=5)
    assert delta["type"] == "delta"
    item = delta["sections"]["devices"]["set"][ids["silent"]]
    assert (item["app_version"], item["queued"], item["warnings"]) == ("v-new", 0, [])
    assert abs(item["clock_skew"]) <= 60
    assert item["last_user"] == "Người nurse"
    await comm.disconnect()


@pytest.mark.browser
def test_the_page_shows_the_devices_with_their_warnings(phones, asgi_server):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, timezone_id="Asia/Ho_Chi_Minh", locale="vi-VN"
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(asgi_server.url + "/dashboard/")
        page.fill("input[name=username]", "manager")
        page.fill("input[name=password]", "test-pass-123")
        page.click("#login button[type=submit]")
        expect(page.locator("#link")).to_have_attribute("data-state", "on", timeout=10_000)
        section = page.locator("#devices")
        expect(section).to_contain_text("Máy khu A · Người carer · vừa xong")
        expect(section).to_contain_text("bản v-ok · 0 mục chờ gửi")
        silent = section.locator("li", has_text="Máy điều dưỡng")
        expect(silent).to_contain_text("Quá một ngày chưa đồng bộ")
        expect(silent).to_contain_text("Có mục chờ gửi đã lâu")
        expect(silent).to_contain_text("Đồng hồ máy sai giờ")
        expect(silent).to_contain_text("7 mục chờ gửi")
        expect(silent).to_contain_text("lúc ")
        expect(section.locator("li", has_text="Máy bếp cũ")).to_contain_text("Đã thu hồi")
        # Warnings first: the silent phone heads the list.
        expect(section.locator("li").first).to_contain_text("Máy điều dưỡng")
        section.scroll_into_view_if_needed()
        page.locator("section", has=section).screenshot(
            path=str(ARTIFACTS / "dashboard-devices-360x740.png")
        )
        page.click("#lang")
        expect(silent).to_contain_text("Not synced for over a day")
        expect(section).to_contain_text("just now")
        assert errors == []
        browser.close()
