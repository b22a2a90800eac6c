"""Real Chromium (Debian's /usr/bin/chromium, never a Playwright download) against the real
ASGI app in a uvicorn subprocess on the test database.

Sync Playwright keeps an event loop in the test's thread, and Django refuses ORM calls
from a thread with a running loop; these tests set DJANGO_ALLOW_ASYNC_UNSAFE for their own
duration only (docs/architecture.md). Data is created before the browser starts wherever possible.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone

from server.accounts.models import User
from server.care.models import Resident, TaskInstance
from sync.types import publish
from tests.factories import (
    MedicationOrderFactory,
    MembershipFactory,
    ResidentFactory,
    TaskFactory,
    UserFactory,
)
from tests.personas import Centre, make_centre

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--disable-background-networking", "--disable-component-update", "--no-sandbox"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PIN = "2468"


def pytest_collection_modifyitems(items):
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        skip = pytest.mark.skip(
            reason="Debian chromium is not installed (apt-get install -y chromium)"
        )
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            # While Playwright runs, the test's ORM calls get their own connection (Django's
            # are per context, and the test body runs in Playwright's): closed here, in that
            # context, or it outlives the test and the test database cannot be dropped.
            connections.close_all()
            browser.close()


def new_phone(browser, **kwargs):
    """A browser context is one phone: its own IndexedDB, service worker and device id.

    It bypasses the page's Content-Security-Policy, because Playwright's wait_for_function
    polls with eval(), which the policy forbids; tests/browser/test_csp.py checks the app
    under the real policy."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        timezone_id="Asia/Ho_Chi_Minh",
        locale="vi-VN",
        **{"bypass_csp": True, **kwargs},
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return context, page


@dataclass
class Ward:
    centre: Centre
    residents: list[Resident]
    meals: list[TaskInstance]
    med_task: TaskInstance | None = None
    carer2: User | None = None
    extra: dict = field(default_factory=dict)


@pytest.fixture
def ward(asgi_server) -> Ward:
    """The elderly area with three residents, a lunch each due now, and a scheduled dose.
    Everything is published to the change log, as the admin and the task horizon do."""
    centre = make_centre()
    now = timezone.now()
    residents = [
        ResidentFactory(area=centre.elderly, full_name=name, room=room)
        for name, room in [("Trần Thị Hoa", "A01"), ("Lê Văn Nam", "A02"), ("Phạm Thị Lan", "A03")]
    ]
    meals = [
        TaskFactory(resident=r, kind="meal", title="Bữa trưa", slot="11:00", due_at=now)
        for r in residents
    ]
    order = MedicationOrderFactory(
        resident=residents[0], drug="Amlodipin 5mg", dose="1 viên", route="uống"
    )
    med_task = TaskFactory(
        resident=residents[0],
        kind="medication",
        title="Amlodipin 5mg",
        slot="11:00",
        due_at=now,
        order=order,
    )
    carer2 = UserFactory(username="carer2", full_name="Nguyễn Thị Hai")
    MembershipFactory(user=carer2, facility=centre.facility, role="carer", areas=[centre.elderly])
    publish(
        [
            centre.facility,
            centre.elderly,
            centre.children,
            centre.kitchen_area,
            centre.vehicle,
            *residents,
            *meals,
            order,
            med_task,
        ]
    )
    assert med_task.local_date == timezone.localdate() or med_task.due_at - now < timedelta(
        seconds=5
    )
    return Ward(centre, residents, meals, med_task, carer2)


def login(
    page, base_url: str, username: str, *, password: str = "test-pass-123", pin: str = PIN
) -> None:
    """First login on this phone: password once, then a PIN typed twice."""
    page.goto(base_url + "/app/#/login")
    page.fill("[name=username]", username)
    page.fill("[name=password]", password)
    page.click("button[type=submit]")
    for _ in range(2):
        for digit in pin:
            page.click(f"[data-key='{digit}']")


def phone_ready(browser, base_url: str, ward: Ward, username: str = "carer"):
    """A phone logged in as `username`, its first sync done and the ward's first meal shown."""
    context, page = new_phone(browser)
    login(page, base_url, username)
    page.wait_for_selector(f"li[data-task='{ward.meals[0].id}']")
    wait_synced(page)
    return context, page


def contradict(meal: TaskInstance) -> None:
    """Two carers record the same lunch differently through the API: a conflict for the
    manager (contradictory_outcome)."""
    from tests.conftest import ApiClient
    from tests.events import event

    for username, args in [
        ("carer", {"outcome": "done", "details": {"portion": 100}}),
        ("carer2", {"outcome": "refused", "reason": "not_hungry", "details": {"portion": 0}}),
    ]:
        api = ApiClient()
        api.login(username)
        assert api.sync([event("task.complete", {"task_id": meal.id, **args})]).status_code == 200


def phone_clock(page, at: datetime):
    """Set the phone's clock to `at` (page.clock), with every sync answer's `server_time` at
    the same moment: a test that puts the phone at an hour of the day means a right clock, not
    the wrong one the phone would warn about (mobile_client/js/clock.js). Returns the setter,
    for the test to move both clocks together."""
    now = {"at": at}

    def answer(route):
        response = route.fetch()
        body = response.json()
        if "server_time" in body:
            body["server_time"] = now["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        route.fulfill(response=response, json=body)

    page.route("**/api/sync/v1", answer)

    def set_to(when: datetime) -> None:
        now["at"] = when
        page.clock.set_fixed_time(when)

    set_to(at)
    return set_to


def unlock(page, username: str, pin: str = PIN) -> None:
    page.click(f"button.user[data-user='{username}']")
    for digit in pin:
        page.click(f"[data-key='{digit}']")


def pending(page) -> int:
    return int(page.get_attribute("[data-pending]", "data-pending"))


def wait_pending(page, n: int) -> None:
    page.wait_for_function(
        f"document.querySelector('[data-pending]')?.dataset.pending === '{n}'", timeout=10_000
    )


def wait_synced(page, timeout: float = 20_000) -> None:
    """Nothing queued and no sync call in flight (a click's sync may not have started yet)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "document.querySelector('[data-pending]')?.dataset.pending === '0'"
        " && document.getElementById('syncbar').dataset.syncing === '0'",
        timeout=timeout,
    )


def wait_worker(page) -> None:
    """Wait until the service worker controls the page (the shell is cached)."""
    page.wait_for_function(
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=20_000
    )


def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
