"""The phone reports itself in every sync call (docs/protocol.md §2, `client`): the service
worker's version and what it still holds, which the manager's devices list then shows."""

from __future__ import annotations

import pytest

from server.accounts.models import Device
from server.web.views import app_version
from tests.browser.conftest import login, new_phone, wait_synced, wait_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_each_sync_call_reports_the_apps_version_and_queue(asgi_server, ward, chromium):
    context, page = new_phone(chromium)
    login(page, asgi_server.url, "carer")
    wait_worker(page)
    page.reload()  # now the worker controls the page and answers the version question
    wait_synced(page)
    device = Device.objects.exclude(last_seen_at=None).get()
    assert device.last_user == ward.centre.carer
    assert device.queued == 0 and device.last_status == "ok"
    # The version reaches the server on the calls after the worker answered ("online" syncs).
    for _ in range(20):
        device.refresh_from_db()
        if device.app_version:
            break
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_timeout(500)
    assert device.app_version == app_version()
    assert page.errors == []
    context.close()
