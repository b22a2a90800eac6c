"""Open on "now": on the demo centre's biggest area, at three hours of the day, the next open
task is on the first screen at 360x740; filters and the jump to now work."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.conf import settings

from server.accounts.models import Membership
from server.care.horizon import local_today, local_zone
from server.care.models import TaskInstance
from server.seed.demo import demo_seed
from tests.browser.conftest import artifacts, login, new_phone, phone_clock, wait_synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USER = "carer.bl1"
TABS_HEIGHT = 64  # the bottom tab bar covers the last 64 px


def next_open(user, at: datetime) -> set[str]:
    """The open tasks due first among those not yet late: what the carer does next."""
    areas = Membership.objects.get(user__username=user).areas.all()
    open_tasks = TaskInstance.objects.filter(
        area__in=areas, local_date=at.date(), status__in=["pending", "missed"], window_end__gte=at
    )
    first = min(t.due_at for t in open_tasks)
    return {str(t.id) for t in open_tasks if t.due_at == first}


def on_first_screen(page, task_ids: set[str]) -> bool:
    """One read in the page: a row found by one call and measured by another could be
    replaced in between by a redraw (every sync redraws the list) and measure as hidden."""
    return page.evaluate(
        """([ids, bottom]) => ids.some((id) => {
          const row = document.querySelector(`li[data-task='${id}']`);
          const box = row?.getBoundingClientRect();
          return !!box && box.height > 0 && box.top >= 0 && box.bottom <= bottom;
        })""",
        [sorted(task_ids), 740 - TABS_HEIGHT],
    )


def reload_synced(page) -> None:
    """Reload, and wait until the list the reload's own sync redraws is on the screen: the
    cold start draws from the phone's store first, then each sync draws the list anew."""
    with page.expect_response(
        lambda r: r.url.endswith("/api/sync/v1") and r.request.method == "POST", timeout=60_000
    ):
        page.reload()
    wait_synced(page, timeout=60_000)
    # The redraw runs on the next animation frame after the pull (app.js).
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def test_the_next_task_is_on_the_first_screen_at_three_hours(asgi_server, chromium):
    demo_seed(today=local_today())
    context, page = new_phone(chromium)
    # The phone's clock is the test's from the start: at night (22:00-06:00 local, whenever
    # the suite happens to run then) the shift holds no task and the list would be empty.
    # The server's answers agree with it: the phone's clock is right, only the hour is chosen.
    first = datetime.combine(local_today(), time(6, 50), tzinfo=local_zone())
    set_clock = phone_clock(page, first)
    login(page, asgi_server.url, USER, password=settings.DEMO_PASSWORD)
    page.wait_for_selector("li[data-task]", timeout=60_000)
    wait_synced(page, timeout=60_000)
    for hhmm in ("06:50", "14:30", "18:08"):
        at = datetime.combine(local_today(), time.fromisoformat(hhmm), tzinfo=local_zone())
        set_clock(at)
        reload_synced(page)
        page.wait_for_selector("#now li[data-task]")
        assert page.evaluate("new Date().getHours()") == at.hour
        expected = next_open(USER, at)
        assert page.query_selector("[data-clock]") is None
        assert on_first_screen(page, expected), (hhmm, expected)
        page.screenshot(path=str(artifacts() / f"now-{hhmm.replace(':', '')}-360x740.png"))

    # 18:08: dinner is late (folded below "now"); the filters narrow the list; "now" comes back.
    assert page.locator("details[data-group=late]").count() == 1
    page.select_option("[data-filter=kind]", "medication")
    page.wait_for_function("[...document.querySelectorAll('#now li[data-task]')].length > 0")
    kinds = set(
        TaskInstance.objects.filter(
            id__in=page.eval_on_selector_all(
                "#now li[data-task]", "els => els.map(e => e.dataset.task)"
            )
        ).values_list("kind", flat=True)
    )
    assert kinds == {"medication"}
    page.screenshot(path=str(artifacts() / "now-filtered-360x740.png"))
    page.click("details[data-group=late] summary")
    # The fold fills on its toggle event, after the click: scrolled before, the page is short.
    page.wait_for_selector("details[data-group=late][open] li[data-task]")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_selector("[data-action=jump-now]", state="visible")
    page.screenshot(path=str(artifacts() / "now-scrolled-late-360x740.png"))
    page.click("[data-action=jump-now]")
    page.wait_for_function("window.scrollY === 0")
    assert page.locator("details[data-group=late][open]").count() == 0
    assert page.errors == []
    context.close()
