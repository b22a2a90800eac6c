"""The dashboard page in real Chromium against a real uvicorn: the double-dose alarm and the
inline conflict review. Pushes go over HTTP like phones (no ORM once the browser runs:
the sync Playwright API owns this thread's event loop: docs/architecture.md, "Traps")."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from django.db import connection

from sync import registry
from tests.events import event
from tests.factories import MedicationOrderFactory, ResidentFactory, TaskFactory
from tests.personas import make_centre

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--disable-background-networking", "--disable-component-update", "--no-sandbox"]


@pytest.fixture
def append_only_restored(django_db_blocker):
    """Workaround: the eMAR's append-only triggers make SQLite's flush (DELETE) of a
    transactional test fail. `dose` drops them before the flush; this puts them back after."""
    yield
    triggers = _append_only()
    if triggers is not None:
        with django_db_blocker.unblock():
            triggers.install(connection)


def _append_only():
    try:
        from server.meds import append_only
    except ImportError:
        return None
    return append_only


@pytest.fixture
def dose(append_only_restored, transactional_db):
    centre = make_centre()
    resident = ResidentFactory(area=centre.elderly, full_name="Ông Năm", room="P3")
    order = MedicationOrderFactory(resident=resident, drug="Amlodipin 5mg")
    task = TaskFactory(resident=resident, order=order, kind="medication", title="Amlodipin 5mg")
    yield centre, order, task
    triggers = _append_only()
    if triggers is not None and connection.vendor == "sqlite":
        triggers.uninstall(connection)


def phone_login(server, username: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=server.url, timeout=10)
    device_id = str(uuid.uuid4())
    response = client.post(
        "/api/auth/token",
        json={
            "username": username,
            "password": "test-pass-123",
            "device_id": device_id,
            "device_name": "điện thoại",
        },
    )
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"
    return client, device_id


def give(client: httpx.Client, device_id: str, order, task) -> dict:
    ev = event(
        "med.administer",
        {
            "administration_id": str(uuid.uuid4()),
            "order_id": str(order.id),
            "task_id": str(task.id),
            "outcome": "given",
            "dose": "1 viên",
        },
    )
    response = client.post(
        "/api/sync/v1", json={"protocol": 1, "device_id": device_id, "cursor": None, "events": [ev]}
    )
    assert response.status_code == 200, response.text
    return response.json()["results"][0]


def test_it_sounds_the_double_dose_alarm_within_a_second_and_resolves_it_inline(dose, asgi_server):
    assert registry.lookup("med.administer") is not None, "no double_dose can be produced"
    from playwright.sync_api import expect, sync_playwright

    centre, order, task = dose
    first, first_device = phone_login(asgi_server, "nurse")
    second, second_device = phone_login(asgi_server, "nurse")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(locale="vi-VN")  # the board follows Accept-Language
        page.goto(asgi_server.url + "/dashboard/")
        page.fill("input[name=username]", "manager")
        page.fill("input[name=password]", "test-pass-123")
        page.click("#login button[type=submit]")
        expect(page.locator("#link")).to_have_attribute("data-state", "on", timeout=10_000)
        expect(page.locator("#login")).to_be_hidden()
        expect(page.locator("#tiles .tile[data-kind=medication]")).to_contain_text("0/1")
        expect(page.locator("#alarm")).to_be_hidden()

        assert give(first, first_device, order, task)["status"] == "applied"
        result = give(second, second_device, order, task)
        synced = time.monotonic()
        assert (result["status"], result.get("code")) == ("conflict", "double_dose")
        alarm = page.locator("#alarm [data-kind=double_dose]")
        alarm.wait_for(state="visible", timeout=5_000)
        elapsed = time.monotonic() - synced
        assert elapsed <= 1.0, f"alarm shown {elapsed:.3f} s after the second sync"
        expect(page.locator("#alarm")).to_contain_text("hai lần")

        alarm.get_by_role("button").click()
        review = page.locator("#conflicts form.review")
        review.locator("textarea").fill("Đã gọi điều dưỡng kiểm tra, theo dõi huyết áp.")
        review.get_by_role("button", name="Đã xử lý").click()
        expect(page.locator("#alarm")).to_be_hidden(timeout=5_000)
        expect(page.locator("#conflicts")).to_contain_text("Không có")
        browser.close()
    manager, _ = phone_login(asgi_server, "manager")
    resolved = manager.get("/api/conflicts?status=resolved").json()["items"]
    assert [(c["kind"], c["resolution_note"]) for c in resolved] == [
        ("double_dose", "Đã gọi điều dưỡng kiểm tra, theo dõi huyết áp.")
    ]
